import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/providers/vendor-fixtures.js';
import { chatRequestSchema, type ChatRequest } from '../../canonical/chat-request.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { geminiTranslator } from './gemini-translator.js';
import type { GeminiRequest, GeminiResponse } from './gemini-types.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const context = { id: 'chatcmpl-job7', created: 1_700_000_000 };

interface Recording {
  interactions: Array<{ request: { body: Record<string, unknown> & { contents: unknown[] } }; response: { body_segments: GeminiResponse[] } }>;
}
const recording = (name: string) => readFixture<Recording>('gemini', name).interactions;

function request(body: Record<string, unknown>): ChatRequest {
  return chatRequestSchema.parse({ model: 'alias', messages: [{ role: 'user', content: 'hi' }], ...body });
}
function translate(body: Record<string, unknown>): GeminiRequest {
  return geminiTranslator.toVendorRequest(request(body), 'gemini-test');
}
function rejection(body: Record<string, unknown>): GatewayError {
  try {
    translate(body);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('Gemini request: recorded requests as golden outputs', () => {
  it('rebuilds the recorded function call round trip: model functionCall, then functionResponse named after it', () => {
    const [, second] = recording('generate_content_function_call_and_response.recorded.json');
    const translated = translate({
      messages: [
        { role: 'user', content: 'Divide 10 by 2 using the customDivide function' },
        { role: 'assistant', tool_calls: [{ id: 'call_0_x', type: 'function', function: { name: 'customDivide', arguments: '{"denominator":2,"numerator":10}' } }] },
        { role: 'tool', tool_call_id: 'call_0_x', content: '42' },
      ],
      tools: [{ type: 'function', function: { name: 'customDivide', description: 'Custom divide function', parameters: { properties: { denominator: { type: 'number' }, numerator: { type: 'number' } }, type: 'object' } } }],
      tool_choice: 'auto',
    });
    const recorded = second!.request.body;
    expect(translated.contents).toEqual(recorded.contents);
    expect(translated.config.tools).toEqual(recorded.tools);
    expect(translated.config.toolConfig).toEqual(recorded.toolConfig);
  });

  it('sends a recorded thought signature back with its function call (parallel calls, Gemini 2.5)', () => {
    const [first, second] = recording('generate_content_multi_tool_thought_signature.recorded.json');
    const completion = geminiTranslator.fromVendorResponse(first!.response.body_segments[0]!, context);
    const calls = completion.choices[0]!.message.tool_calls!;
    const translated = translate({
      messages: [
        { role: 'user', content: 'Use the printer to print a simple word: hello in blue, and beep with the beeper' },
        { role: 'assistant', content: null, tool_calls: calls },
        { role: 'tool', tool_call_id: calls[0]!.id, content: 'printed' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: 'beep' },
      ],
    });
    expect(translated.contents.slice(0, 2)).toEqual(second!.request.body.contents.slice(0, 2));
    expect(translated.contents[2]!.parts.map((p) => p.functionResponse?.name)).toEqual(['print', 'beep']);
  });

  it('rebuilds the recorded system instruction request', () => {
    const [only] = recording('generate_content_system_instruction.recorded.json');
    const translated = translate({ messages: [{ role: 'system', content: 'I say high you say low' }, { role: 'user', content: 'high' }] });
    expect({ contents: translated.contents, systemInstruction: translated.config.systemInstruction }).toEqual({
      contents: only!.request.body.contents,
      systemInstruction: only!.request.body.systemInstruction,
    });
  });

  it('rebuilds the recorded JSON-schema request: responseMimeType and responseJsonSchema as sent', () => {
    const [only] = recording('generate_content_json_schema.recorded.json');
    const recorded = only!.request.body.generationConfig as { responseJsonSchema: Record<string, unknown> };
    const translated = translate({
      messages: [{ role: 'user', content: 'populate the following object' }],
      response_format: { type: 'json_schema', json_schema: { name: 'obj', schema: recorded.responseJsonSchema } },
    });
    expect(translated.config).toEqual(recorded);
  });

  it('rebuilds the recorded sampling request (temperature, max tokens)', () => {
    const [only] = recording('generate_content_temperature_max_output_tokens.recorded.json');
    const translated = translate({ messages: [{ role: 'user', content: 'why is the sky blue?' }], temperature: 0.5, max_tokens: 20 });
    expect(translated.config).toEqual(only!.request.body.generationConfig);
  });

  it('matches the assembled request: inlineData, named tool_choice → ANY with the name, sampling fields', () => {
    const assembled = readFixture<{ toolConfig: unknown; contents: Array<{ parts: unknown[] }> }>('gemini', 'generate_content_request_full_ASSEMBLED.json');
    const translated = translate({
      messages: [
        { role: 'user', content: [{ type: 'text', text: "What's the weather in Boston? Also describe the attached images." }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] },
      ],
      tools: [{ type: 'function', function: { name: 'get_current_weather', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'get_current_weather' } },
      temperature: 0.2,
      top_p: 0.95,
      n: 1,
      max_tokens: 300,
      stop: ['\n\n\n'],
    });
    expect(translated.contents[0]!.parts).toEqual(assembled.contents[0]!.parts.slice(0, 2));
    expect(translated.config).toMatchObject({ toolConfig: assembled.toolConfig, temperature: 0.2, topP: 0.95, candidateCount: 1, maxOutputTokens: 300, stopSequences: ['\n\n\n'] });
  });
});

describe('Gemini request: contents', () => {
  it.each([
    [
      'system and developer messages join systemInstruction in order, wherever they are',
      [{ role: 'system', content: 'A' }, { role: 'user', content: 'u' }, { role: 'developer', content: [{ type: 'text', text: 'B' }] }],
      { role: 'user', parts: [{ text: 'A' }, { text: 'B' }] },
    ],
    ['no system message → no systemInstruction', [{ role: 'user', content: 'u' }], undefined],
  ])('%s', (_name, messages, systemInstruction) => {
    expect(translate({ messages }).config.systemInstruction).toEqual(systemInstruction);
  });

  it.each([
    ['assistant → model', [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], [{ role: 'user', parts: [{ text: 'a' }] }, { role: 'model', parts: [{ text: 'b' }] }]],
    ['consecutive user turns merge', [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }], [{ role: 'user', parts: [{ text: 'a' }, { text: 'b' }] }]],
    [
      'an empty assistant turn is dropped and its neighbours merge',
      [{ role: 'user', content: 'a' }, { role: 'assistant', content: null }, { role: 'user', content: 'b' }],
      [{ role: 'user', parts: [{ text: 'a' }, { text: 'b' }] }],
    ],
    [
      'parallel tool results join one user turn; text results stay text, JSON results are parsed',
      [
        { role: 'user', content: 'a' },
        { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }, { id: 'c2', type: 'function', function: { name: 'g', arguments: '' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'plain text' },
        { role: 'tool', tool_call_id: 'c2', content: '{"ok":true}' },
      ],
      [
        { role: 'user', parts: [{ text: 'a' }] },
        { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }, { functionCall: { name: 'g', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'f', response: { output: 'plain text' } } }, { functionResponse: { name: 'g', response: { output: { ok: true } } } }] },
      ],
    ],
  ])('%s', (_name, messages, contents) => {
    expect(translate({ messages }).contents).toEqual(contents);
  });

  it.each([
    ['a data URL → inlineData', { type: 'image_url', image_url: { url: `data:image/webp;base64,${PNG}` } }, { inlineData: { mimeType: 'image/webp', data: PNG } }],
    ['an https URL with an extension → fileData with the guessed type', { type: 'image_url', image_url: { url: 'https://x.test/cat.JPG?size=2' } }, { fileData: { fileUri: 'https://x.test/cat.JPG?size=2', mimeType: 'image/jpeg' } }],
    ['wav audio → inlineData', { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }, { inlineData: { mimeType: 'audio/wav', data: 'AAAA' } }],
    ['a base64 PDF file → inlineData', { type: 'file', file: { file_data: `data:application/pdf;base64,${PNG}` } }, { inlineData: { mimeType: 'application/pdf', data: PNG } }],
  ])('user part: %s', (_name, part, expected) => {
    expect(translate({ messages: [{ role: 'user', content: [{ type: 'text', text: 'see' }, part] }] }).contents[0]!.parts).toEqual([{ text: 'see' }, expected]);
  });

  it.each([
    ['an https URL without a known extension', { type: 'image_url', image_url: { url: 'https://generativelanguage.googleapis.com/v1beta/files/abc-123' } }],
    ['an ftp URL', { type: 'image_url', image_url: { url: 'ftp://x.test/a.png' } }],
    ['flac audio', { type: 'input_audio', input_audio: { data: 'AAAA', format: 'flac' } }],
    ['an OpenAI file id', { type: 'file', file: { file_id: 'file-1' } }],
  ])('user part: %s → 400 naming the part', (_name, part) => {
    const err = rejection({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: [{ type: 'text', text: 'see' }, part] }] });
    expect([err.status, err.param]).toEqual([400, 'messages[2].content[1]']);
  });

  it('refuses a tool result whose call id no assistant message made (the function name would be unknown)', () => {
    const err = rejection({ messages: [{ role: 'user', content: 'a' }, { role: 'tool', tool_call_id: 'nope', content: 'x' }] });
    expect([err.code, err.param]).toEqual(['invalid_request', 'messages[1].tool_call_id']);
  });

  it('refuses tool call arguments that are not a JSON object', () => {
    const err = rejection({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: 'nope' } }] }] });
    expect(err.param).toBe('messages[1].tool_calls[0].function.arguments');
  });
});
