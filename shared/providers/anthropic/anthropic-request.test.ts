import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/providers/vendor-fixtures.js';
import { chatRequestSchema, type ChatRequest } from '../../canonical/chat-request.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { createAnthropicTranslator } from './anthropic-translator.js';
import type { AnthropicRequest } from './anthropic-types.js';

const translator = createAnthropicTranslator({ defaultMaxTokens: 777 });
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function request(body: Record<string, unknown>): ChatRequest {
  return chatRequestSchema.parse({ model: 'alias', messages: [{ role: 'user', content: 'hi' }], ...body });
}
function translate(body: Record<string, unknown>): AnthropicRequest {
  return translator.toVendorRequest(request(body), 'claude-test');
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

/** A request body as recorded: plain JSON. */
type RecordedBody = { [field: string]: unknown; tools?: Array<Record<string, unknown>> };

/** The recorded bodies came from the beta tool runner, which adds `type: 'custom'` to tools and sends `stream`. */
function recordedBody(body: RecordedBody): Record<string, unknown> {
  const { stream: _stream, tools, ...rest } = body;
  return { ...rest, ...(tools ? { tools: tools.map(({ type: _type, ...tool }) => tool) } : {}) };
}

const testTool = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'function',
  function: {
    name: 'test_tool',
    description: 'A test tool',
    parameters: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties, required, additionalProperties: false },
  },
});

describe('Anthropic request: recorded exchanges as golden outputs', () => {
  it('rebuilds the recorded tool_result turn (user → assistant text + tool_use → tool_result)', () => {
    const recorded = readFixture<{ request: { body: RecordedBody } }>('anthropic', 'exchange_tool_result_end_turn.recorded.json');
    const body = translator.toVendorRequest(
      request({
        max_tokens: 1000,
        messages: [
          { role: 'user', content: 'Use the test_tool with value "test", then provide a final response' },
          {
            role: 'assistant',
            content: 'I\'ll use the test_tool with the value "test" as requested, then provide a final response.',
            tool_calls: [{ id: 'toolu_011LF2VkWpAfJnTKJcmh1PNf', type: 'function', function: { name: 'test_tool', arguments: '{"value":"test"}' } }],
          },
          { role: 'tool', tool_call_id: 'toolu_011LF2VkWpAfJnTKJcmh1PNf', content: 'Tool result' },
        ],
        tools: [testTool({ value: { type: 'string' } }, ['value'])],
      }),
      'claude-opus-4-8',
    );
    expect(body).toEqual(recordedBody(recorded.request.body));
  });

  it('rebuilds the recorded parallel tool results: two tool messages become one user turn', () => {
    const recorded = readFixture<{ turns: Array<{ request: { body: RecordedBody } }> }>('anthropic', 'exchange_parallel_tool_results.recorded.json');
    const call = (id: string, count: number) => ({ id, type: 'function', function: { name: 'test_tool', arguments: JSON.stringify({ count }) } });
    const body = translator.toVendorRequest(
      request({
        max_completion_tokens: 1000,
        messages: [
          { role: 'user', content: 'Use the test_tool with count 1, then use it again with count 2' },
          {
            role: 'assistant',
            content: "I'll use the test_tool twice as requested - first with count 1, then with count 2.",
            tool_calls: [call('toolu_01L8GVQapA1HmggQcrwboukH', 1), call('toolu_01J5Fvzxu7DP1Uh59c1kr5JD', 2)],
          },
          { role: 'tool', tool_call_id: 'toolu_01L8GVQapA1HmggQcrwboukH', content: 'Called with 1' },
          { role: 'tool', tool_call_id: 'toolu_01J5Fvzxu7DP1Uh59c1kr5JD', content: 'Called with 2' },
        ],
        tools: [testTool({ count: { type: 'number' } }, ['count'])],
      }),
      'claude-opus-4-8',
    );
    expect(body).toEqual(recordedBody(recorded.turns[1]!.request.body));
  });

  it('rebuilds the assembled request: system string, base64 and url images, tool_result before text, named tool_choice, stop, user', () => {
    const assembled = readFixture<RecordedBody & { tools: Array<{ input_schema: Record<string, unknown> }> }>(
      'anthropic',
      'messages_request_system_string_ASSEMBLED.json',
    );
    const body = translator.toVendorRequest(
      request({
        max_tokens: 1024,
        messages: [
          { role: 'system', content: 'You are a weather assistant.' },
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
              { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
              { type: 'text', text: 'What is the weather in Paris, and what is in these images?' },
            ],
          },
          {
            role: 'assistant',
            content: 'Let me check the weather.',
            tool_calls: [{ id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
          },
          { role: 'tool', tool_call_id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', content: '72°F and sunny' },
          { role: 'user', content: 'Thanks - summarise both.' },
        ],
        tools: [{ type: 'function', function: { name: 'get_weather', description: 'Get current weather for a location', parameters: assembled.tools[0]!.input_schema } }],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        stop: '\n\nHuman:',
        user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b',
      }),
      'claude-opus-4-8',
    );
    // API 2026-10-21 refuses sampling parameters, so the assembled body's temperature/top_p/top_k are not sent.
    const { temperature: _t, top_p: _p, top_k: _k, stream: _s, ...expected } = assembled;
    expect(body).toEqual(expected);
  });
});

describe('Anthropic request: messages', () => {
  it.each([
    ['one system message → a string', [{ role: 'system', content: 'A' }, { role: 'user', content: 'u' }], 'A'],
    [
      'system and developer messages, wherever they are, → blocks joined in order',
      [{ role: 'system', content: 'A' }, { role: 'user', content: 'u' }, { role: 'developer', content: [{ type: 'text', text: 'B' }] }],
      [{ type: 'text', text: 'A' }, { type: 'text', text: 'B' }],
    ],
    ['no system message → no system', [{ role: 'user', content: 'u' }], undefined],
  ])('%s', (_name, messages, system) => {
    expect(translate({ messages }).system).toEqual(system);
  });

  it.each([
    [
      'consecutive user turns are merged',
      [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }],
      [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }],
    ],
    [
      'an empty assistant turn is left out and the user turns around it merge',
      [{ role: 'user', content: 'a' }, { role: 'assistant', content: '' }, { role: 'user', content: 'b' }],
      [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }],
    ],
    [
      'tool results go before text in a merged user turn',
      [
        { role: 'user', content: 'a' },
        { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '' } }] },
        { role: 'user', content: 'note' },
        { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'r' }] },
      ],
      [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: [{ type: 'text', text: 'r' }] }, { type: 'text', text: 'note' }] },
      ],
    ],
    [
      'foreign tool call ids are replaced by the same Anthropic-safe digest on both sides',
      [
        { role: 'user', content: 'a' },
        { role: 'assistant', tool_calls: [{ id: 'call_0_abc_ts_x+y/z=', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        { role: 'tool', tool_call_id: 'call_0_abc_ts_x+y/z=', content: 'ok' },
      ],
      [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [{ type: 'tool_use', id: expect.stringMatching(/^toolu_[A-Za-z0-9_-]{24}$/), name: 'f', input: { a: 1 } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: expect.stringMatching(/^toolu_/), content: 'ok' }] },
      ],
    ],
  ])('%s', (_name, messages, expected) => {
    const body = translate({ messages });
    expect(body.messages).toEqual(expected);
    const ids = JSON.stringify(body.messages).match(/toolu_[A-Za-z0-9_-]{24}/g) ?? [];
    expect(new Set(ids).size).toBeLessThanOrEqual(1);
  });

  it.each([
    ['a gif data URL → base64 source', { type: 'image_url', image_url: { url: `data:image/gif;base64,${PNG}` } }, { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: PNG } }],
    ['an https URL → url source', { type: 'image_url', image_url: { url: 'https://x.test/a.png' } }, { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } }],
    ['a base64 PDF file → document', { type: 'file', file: { file_data: `data:application/pdf;base64,${PNG}` } }, { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PNG } }],
  ])('user part: %s', (_name, part, block) => {
    expect(translate({ messages: [{ role: 'user', content: [{ type: 'text', text: 'see' }, part] }] }).messages[0]!.content).toEqual([{ type: 'text', text: 'see' }, block]);
  });

  it.each([
    ['an http URL', { type: 'image_url', image_url: { url: 'http://x.test/a.png' } }],
    ['an image type Anthropic cannot take', { type: 'image_url', image_url: { url: `data:image/bmp;base64,${PNG}` } }],
    ['a percent-encoded data URL', { type: 'image_url', image_url: { url: 'data:image/png,abc' } }],
    ['audio', { type: 'input_audio', input_audio: { data: PNG, format: 'wav' } }],
    ['an OpenAI file id', { type: 'file', file: { file_id: 'file-123' } }],
  ])('user part: %s → 400 naming the part', (_name, part) => {
    const err = rejection({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: [{ type: 'text', text: 'see' }, part] }] });
    expect([err.status, err.param]).toEqual([400, 'messages[2].content[1]']);
  });

  it('rejects tool call arguments that are not a JSON object, naming them', () => {
    const err = rejection({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] });
    expect([err.code, err.param]).toEqual(['invalid_request', 'messages[1].tool_calls[0].function.arguments']);
  });

  it('sends a turn of one text block as a string, as Anthropic clients do', () => {
    expect(translate({ messages: [{ role: 'user', content: [{ type: 'text', text: 'only' }] }] }).messages).toEqual([{ role: 'user', content: 'only' }]);
  });

  it('rejects a conversation with only system messages', () => {
    expect(rejection({ messages: [{ role: 'system', content: 's' }] }).param).toBe('messages');
  });
});
