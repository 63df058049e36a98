import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { chatRequestSchema, type ChatRequest } from '../../shared/canonical/chat-request.js';
import type { ChatCompletionChunk } from '../../shared/canonical/chat-response.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { createAnthropicRuntime } from '../../workers/providers/anthropic/anthropic-runtime.js';
import type { CallOptions } from '../../workers/providers/provider-runtime.js';
import { scriptedFetch, type ScriptedReply } from './scripted-fetch.js';
import { readFixture, readFixtureText } from './vendor-fixtures.js';

/**
 * The Anthropic runtime with the real SDK, its HTTP answered by a script of recorded replies:
 * what goes on the wire, what comes back, and how failures are classified.
 */
const context = { id: 'chatcmpl-wire1', created: 1_700_000_000 };
const options = (timeoutMs = 5000, signal = new AbortController().signal): CallOptions => ({ signal, timeoutMs });

function runtime(...replies: ScriptedReply[]) {
  const script = scriptedFetch(...replies);
  const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: 'http://anthropic.test', maxRetries: 0, fetch: script.fetch });
  return { runtime: createAnthropicRuntime(client, { defaultMaxTokens: 1000 }), requests: script.requests };
}
const request = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse({ model: 'alias', ...body });
const hello = request({ messages: [{ role: 'user', content: 'Hello' }] });

async function caught(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

describe('Anthropic runtime over the SDK (scripted HTTP)', () => {
  it('sends the recorded tool_result request byte for byte and maps the recorded answer', async () => {
    const recorded = readFixture<{ request: { body: Record<string, unknown> & { tools: Array<Record<string, unknown>> } }; response: unknown; headers: Record<string, string> }>(
      'anthropic',
      'exchange_tool_result_end_turn.recorded.json',
    );
    const { runtime: anthropic, requests } = runtime({ json: recorded.response, headers: recorded.headers });
    const completion = await anthropic.complete(
      request({
        messages: [
          { role: 'user', content: 'Use the test_tool with value "test", then provide a final response' },
          {
            role: 'assistant',
            content: 'I\'ll use the test_tool with the value "test" as requested, then provide a final response.',
            tool_calls: [{ id: 'toolu_011LF2VkWpAfJnTKJcmh1PNf', type: 'function', function: { name: 'test_tool', arguments: '{"value":"test"}' } }],
          },
          { role: 'tool', tool_call_id: 'toolu_011LF2VkWpAfJnTKJcmh1PNf', content: 'Tool result' },
        ],
        tools: [{ type: 'function', function: { name: 'test_tool', description: 'A test tool', parameters: recorded.request.body.tools[0]!.input_schema } }],
      }),
      'claude-opus-4-8',
      context,
      options(),
    );
    const sent = requests[0]!;
    expect([sent.method, sent.url.pathname]).toEqual(['POST', '/v1/messages']);
    expect(sent.headers['anthropic-version']).toBe('2026-10-21');
    expect(sent.headers['authorization']).toBe('Bearer sk-ant-test');
    // The recording came from the beta tool runner, which also sent `type: "custom"` on tools.
    const tools = recorded.request.body.tools.map(({ type: _type, ...tool }) => tool);
    expect(sent.body).toEqual({ ...recorded.request.body, tools, max_tokens: 1000 });
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: expect.stringMatching(/^I have successfully/) } });
    expect(completion.usage).toMatchObject({ prompt_tokens: 505, completion_tokens: 41 });
  });

  it('streams the recorded tool_use SSE into chunks and returns the usage', async () => {
    const { runtime: anthropic, requests } = runtime({ sse: readFixtureText('anthropic', 'stream_tool_use.recorded.sse') });
    const chunks: ChatCompletionChunk[] = [];
    const usage = await anthropic.stream(hello, 'claude-opus-4-8', context, options(), (chunk) => {
      chunks.push(chunk);
    });
    expect(requests[0]!.body).toMatchObject({ stream: true, max_tokens: 1000, model: 'claude-opus-4-8' });
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.flatMap((c) => c.choices[0]!.delta.tool_calls ?? []).map((t) => t.function?.arguments).join('')).toBe('{"location": "Paris"}');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(usage).toMatchObject({ prompt_tokens: 377, completion_tokens: 65 });
  });

  it('an error event inside the stream throws the classified error', async () => {
    const text = readFixtureText('anthropic', 'stream_text.recorded.sse').split('event: content_block_delta')[0] + readFixtureText('anthropic', 'stream_error_event.sse');
    const { runtime: anthropic } = runtime({ sse: text });
    const chunks: ChatCompletionChunk[] = [];
    const error = await caught(anthropic.stream(hello, 'claude-x', context, options(), (c) => void chunks.push(c)));
    expect([error.code, error.retryable, chunks.length]).toEqual(['overloaded', true, 1]);
  });

  it('a stream that ends without message_stop is a server error, not a success', async () => {
    const text = readFixtureText('anthropic', 'stream_text.recorded.sse').split('event: message_delta')[0]!;
    const { runtime: anthropic } = runtime({ sse: text });
    expect((await caught(anthropic.stream(hello, 'claude-x', context, options(), () => undefined))).code).toBe('server_error');
  });

  it.each([
    ['429 rate_limit_error', 'rate_limited', 17_000],
    ['529 overloaded_error (real capture incl. headers)', 'overloaded', undefined],
    ['500 api_error', 'server_error', undefined],
    ['400 invalid_request_error', 'invalid_request', undefined],
  ])('a recorded %s → %s, keeping retry-after', async (name, code, retryAfterMs) => {
    const recorded = readFixture<{ cases: Array<{ case: string; status: number; headers: Record<string, string>; body: unknown }> }>('anthropic', 'errors.json').cases.find((c) => c.case === name)!;
    const { runtime: anthropic, requests } = runtime({ status: recorded.status, headers: recorded.headers, json: recorded.body });
    const error = await caught(anthropic.complete(hello, 'claude-x', context, options()));
    expect([error.code, error.retryAfterMs, error.vendorStatus]).toEqual([code, retryAfterMs, recorded.status]);
    expect(requests).toHaveLength(1);
  });

  it('a vendor that never answers → timeout', async () => {
    const { runtime: anthropic } = runtime({ hang: true });
    expect((await caught(anthropic.complete(hello, 'claude-x', context, options(100)))).code).toBe('timeout');
  });

  it('a stream that stalls after its first events → timeout, the chunks so far delivered', async () => {
    const sse = readFixtureText('anthropic', 'stream_text.recorded.sse').split('event: message_delta')[0]!;
    const { runtime: anthropic } = runtime({ sse, stall: true });
    const chunks: ChatCompletionChunk[] = [];
    const error = await caught(anthropic.stream(hello, 'claude-x', context, options(150), (c) => void chunks.push(c)));
    expect(error.code).toBe('timeout');
    expect(chunks.length).toBeGreaterThan(1);
  });

  it('the caller aborting → cancelled', async () => {
    const { runtime: anthropic } = runtime({ hang: true });
    const controller = new AbortController();
    const pending = caught(anthropic.stream(hello, 'claude-x', context, options(5000, controller.signal), () => undefined));
    controller.abort();
    expect((await pending).code).toBe('cancelled');
  });

  it('a bad part is refused before any HTTP request', async () => {
    const { runtime: anthropic, requests } = runtime({ json: {} });
    const bad = request({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] }] });
    const error = await caught(anthropic.complete(bad, 'claude-x', context, options()));
    expect([error.status, error.param, requests.length]).toEqual([400, 'messages[0].content[0]', 0]);
  });
});
