import { GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { chatRequestSchema, type ChatRequest } from '../../shared/canonical/chat-request.js';
import type { ChatCompletionChunk } from '../../shared/canonical/chat-response.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { createGeminiRuntime } from '../../workers/providers/gemini/gemini-runtime.js';
import type { CallOptions } from '../../workers/providers/provider-runtime.js';
import { scriptedFetch, type ScriptedReply } from './scripted-fetch.js';
import { readFixture, readFixtureText } from './vendor-fixtures.js';

/**
 * The Gemini runtime with the real @google/genai SDK, its HTTP answered by a script of recorded
 * replies: the REST body the SDK builds from our params is compared with the recorded one.
 */
const context = { id: 'chatcmpl-wire2', created: 1_700_000_000 };
const options = (timeoutMs = 5000, signal = new AbortController().signal): CallOptions => ({ signal, timeoutMs });

interface Interaction {
  request: { url: string; body: Record<string, unknown> };
  response: { status: number; body_segments: unknown[] };
}
const interactions = (name: string) => readFixture<{ interactions: Interaction[] }>('gemini', name).interactions;

function runtime(...replies: ScriptedReply[]) {
  const script = scriptedFetch(...replies);
  const client = new GoogleGenAI({ apiKey: 'AIza-test-key', httpOptions: { baseUrl: 'http://gemini.test', fetch: script.fetch } });
  return { runtime: createGeminiRuntime(client), requests: script.requests };
}
const request = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse({ model: 'alias', ...body });

async function caught(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

const divide = { type: 'function', function: { name: 'customDivide', description: 'Custom divide function', parameters: { properties: { denominator: { type: 'number' }, numerator: { type: 'number' } }, type: 'object' } } };

describe('Gemini runtime over the SDK (scripted HTTP): recorded requests on the wire', () => {
  it.each<[string, string, number, Record<string, unknown>]>([
    ['system instruction', 'generate_content_system_instruction.recorded.json', 0, { messages: [{ role: 'system', content: 'I say high you say low' }, { role: 'user', content: 'high' }] }],
    ['sampling', 'generate_content_temperature_max_output_tokens.recorded.json', 0, { messages: [{ role: 'user', content: 'why is the sky blue?' }], temperature: 0.5, max_tokens: 20 }],
    ['tools, first turn', 'generate_content_function_call_and_response.recorded.json', 0, { messages: [{ role: 'user', content: 'Divide 10 by 2 using the customDivide function' }], tools: [divide], tool_choice: 'auto' }],
    [
      'tools, function response turn',
      'generate_content_function_call_and_response.recorded.json',
      1,
      {
        messages: [
          { role: 'user', content: 'Divide 10 by 2 using the customDivide function' },
          { role: 'assistant', tool_calls: [{ id: 'call_0_1', type: 'function', function: { name: 'customDivide', arguments: '{"denominator":2,"numerator":10}' } }] },
          { role: 'tool', tool_call_id: 'call_0_1', content: '42' },
        ],
        tools: [divide],
        tool_choice: 'auto',
      },
    ],
  ])('%s: the SDK sends exactly the recorded body to the recorded path', async (_name, file, index, body) => {
    const interaction = interactions(file)[index]!;
    const model = /models\/([^:]+):/.exec(interaction.request.url)![1]!;
    const { runtime: gemini, requests } = runtime({ json: interaction.response.body_segments[0] });
    await gemini.complete(request(body), model, context, options());
    expect(requests[0]!.url.pathname).toBe(interaction.request.url);
    expect(requests[0]!.headers['x-goog-api-key']).toBe('AIza-test-key');
    expect(requests[0]!.body).toEqual(interaction.request.body);
  });

  it('JSON schema: responseMimeType and responseJsonSchema go out as recorded', async () => {
    const [interaction] = interactions('generate_content_json_schema.recorded.json');
    const recorded = interaction!.request.body as { generationConfig: { responseJsonSchema: Record<string, unknown> } };
    const { runtime: gemini, requests } = runtime({ json: interaction!.response.body_segments[0] });
    const completion = await gemini.complete(
      request({ messages: [{ role: 'user', content: 'populate the following object' }], response_format: { type: 'json_schema', json_schema: { name: 'o', schema: recorded.generationConfig.responseJsonSchema } } }),
      'gemini-2.5-flash',
      context,
      options(),
    );
    expect(requests[0]!.body).toEqual(recorded);
    expect(JSON.parse(completion.choices[0]!.message.content!)).toMatchObject({ simpleString: 'example' });
    expect(completion.usage).toMatchObject({ prompt_tokens_details: { cached_tokens: 3 }, completion_tokens_details: { reasoning_tokens: 41 } });
  });

  it('a tool call round trip keeps the thought signature: call → tool result → the recorded second request', async () => {
    const [first, second] = interactions('generate_content_multi_tool_thought_signature.recorded.json');
    const { runtime: gemini, requests } = runtime({ json: first!.response.body_segments[0] }, { json: second!.response.body_segments[0] });
    const prompt = { role: 'user', content: 'Use the printer to print a simple word: hello in blue, and beep with the beeper' };
    const call = await gemini.complete(request({ messages: [prompt] }), 'gemini-2.5-flash', context, options());
    const toolCalls = call.choices[0]!.message.tool_calls!;
    const answer = await gemini.complete(
      request({
        messages: [prompt, { role: 'assistant', content: null, tool_calls: toolCalls }, ...toolCalls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: 'done' }))],
      }),
      'gemini-2.5-flash',
      { ...context, id: 'chatcmpl-wire3' },
      options(),
    );
    const sentContents = (requests[1]!.body as { contents: unknown[] }).contents;
    expect(sentContents.slice(0, 2)).toEqual((second!.request.body as { contents: unknown[] }).contents.slice(0, 2));
    expect(answer.choices[0]!.message.content).toBe('hello \nbeep');
  });
});

describe('Gemini runtime over the SDK (scripted HTTP): streams and failures', () => {
  it('streams over :streamGenerateContent?alt=sse into chunks with the final usage', async () => {
    const { runtime: gemini, requests } = runtime({ sse: readFixtureText('gemini', 'stream_generate_content_system_instruction.sse') });
    const chunks: ChatCompletionChunk[] = [];
    const usage = await gemini.stream(request({ messages: [{ role: 'user', content: 'why?' }] }), 'gemini-2.5-flash', context, options(), (c) => void chunks.push(c));
    expect(requests[0]!.url.pathname + requests[0]!.url.search).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(chunks.map((c) => c.choices[0]!.delta.content ?? '').join('')).toMatch(/^low!\n\nThe sky is blue.*rather than violet\.$/s);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 513, total_tokens: 533 });
  });

  it.each<[string, string, number | undefined]>([
    ['429 RESOURCE_EXHAUSTED', 'rate_limited', 47_000],
    ['503 UNAVAILABLE', 'overloaded', undefined],
    ['500 INTERNAL', 'server_error', undefined],
    ['400 INVALID_ARGUMENT (token limit, with errors[] array)', 'context_length_exceeded', undefined],
  ])('a recorded %s → %s, keeping the retry delay', async (name, code, retryAfterMs) => {
    const recorded = readFixture<{ cases: Array<{ case: string; status: number; headers: Record<string, string>; body: unknown }> }>('gemini', 'errors.json').cases.find((c) => c.case === name)!;
    const { runtime: gemini, requests } = runtime({ status: recorded.status, headers: recorded.headers, json: recorded.body });
    const error = await caught(gemini.complete(request({ messages: [{ role: 'user', content: 'x' }] }), 'gemini-x', context, options()));
    expect([error.code, error.retryAfterMs, error.vendorStatus]).toEqual([code, retryAfterMs, recorded.status]);
    expect(requests).toHaveLength(1);
  });

  it('the recorded 404 on a stream (JSON served as text/event-stream) is classified with its message', async () => {
    const recorded = readFixture<{ cases: Array<{ case: string; status: number; headers: Record<string, string>; body: unknown }> }>('gemini', 'errors.json').cases.find((c) => c.case.startsWith('404'))!;
    const { runtime: gemini } = runtime({ status: 404, headers: recorded.headers, text: JSON.stringify(recorded.body) });
    const error = await caught(gemini.stream(request({ messages: [{ role: 'user', content: 'x' }] }), 'custom-gemini-2.0-flash', context, options(), () => undefined));
    expect([error.code, error.vendorStatus]).toEqual(['invalid_request', 404]);
    expect(error.message).toMatch(/models\/custom-gemini-2.0-flash is not found/);
  });

  it('a blocked prompt in a stream ends as content_filter, not a crash', async () => {
    const { runtime: gemini } = runtime({ sse: readFixtureText('gemini', 'generative-ai-js-mock-responses/streaming-failure-prompt-blocked-safety.sse') });
    const chunks: ChatCompletionChunk[] = [];
    await gemini.stream(request({ messages: [{ role: 'user', content: 'x' }] }), 'gemini-x', context, options(), (c) => void chunks.push(c));
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('content_filter');
  });

  it('a vendor that never answers → timeout', async () => {
    const { runtime: gemini } = runtime({ hang: true });
    expect((await caught(gemini.complete(request({ messages: [{ role: 'user', content: 'x' }] }), 'gemini-x', context, options(100)))).code).toBe('timeout');
  });

  it('a stream that stalls after its first events → timeout, the chunks so far delivered', async () => {
    const sse = readFixtureText('gemini', 'stream_generate_content_system_instruction.sse').split('\r\n\r\n').slice(0, 2).join('\r\n\r\n') + '\r\n\r\n';
    const { runtime: gemini } = runtime({ sse, stall: true });
    const chunks: ChatCompletionChunk[] = [];
    const error = await caught(gemini.stream(request({ messages: [{ role: 'user', content: 'x' }] }), 'gemini-x', context, options(150), (c) => void chunks.push(c)));
    expect(error.code).toBe('timeout');
    expect(chunks.length).toBeGreaterThan(1);
  });

  it('the caller aborting → cancelled', async () => {
    const { runtime: gemini } = runtime({ hang: true });
    const controller = new AbortController();
    const pending = caught(gemini.stream(request({ messages: [{ role: 'user', content: 'x' }] }), 'gemini-x', context, options(5000, controller.signal), () => undefined));
    controller.abort();
    expect((await pending).code).toBe('cancelled');
  });
});
