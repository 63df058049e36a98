import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chatRequestSchema, type ChatRequest } from '../../shared/canonical/chat-request.js';
import type { ChatCompletionChunk } from '../../shared/canonical/chat-response.js';
import { ChunkAccumulator } from '../../shared/canonical/chunk-accumulator.js';
import type { ErrorCode } from '../../shared/errors/error-codes.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { createAnthropicClient, createAnthropicRuntime } from '../../workers/providers/anthropic/anthropic-runtime.js';
import { createGeminiClient, createGeminiRuntime } from '../../workers/providers/gemini/gemini-runtime.js';
import type { CallOptions, ProviderRuntime } from '../../workers/providers/provider-runtime.js';
import { recordedErrorFault, startAnthropicEmulator, startGeminiEmulator, type Emulator, type EmulatorFault } from '../emulators/index.js';

/** Each runtime with its official SDK against its vendor emulator, over real HTTP. */
const KEY = 'sk-test-emulator';
const options = (timeoutMs = 5000, signal = new AbortController().signal): CallOptions => ({ signal, timeoutMs });
const request = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse({ model: 'alias', ...body });
const ask = (content: string, extra: Record<string, unknown> = {}) => request({ messages: [{ role: 'user', content }], ...extra });
const tool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } });
let jobs = 0;
const context = () => ({ id: `chatcmpl-emu${++jobs}`, created: 1_700_000_000 });

async function caught(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

async function collect(runtime: ProviderRuntime, req: ChatRequest, model: string, timeoutMs = 5000) {
  const chunks: ChatCompletionChunk[] = [];
  const accumulator = new ChunkAccumulator();
  const ctx = context();
  const usage = await runtime.stream(req, model, ctx, options(timeoutMs), (chunk) => {
    chunks.push(chunk);
    accumulator.push(chunk);
  });
  return { chunks, usage, result: accumulator.result(ctx.id, ctx.created) };
}

interface Vendor {
  name: string;
  model: string;
  start(): Promise<Emulator>;
  runtime(url: string, key?: string): ProviderRuntime;
  /** Injected failures (the vendor's recorded error shapes) and the code and wait each must become. */
  faults: Array<[string, ErrorCode, number | undefined, EmulatorFault]>;
  /** A refused key: Anthropic's recorded 401, Gemini's 400 "API key not valid". */
  badKey: ErrorCode;
}

const vendors: Vendor[] = [
  {
    name: 'anthropic',
    model: 'claude-opus-4-8',
    start: () => startAnthropicEmulator({ apiKey: KEY }),
    runtime: (url, key = KEY) => createAnthropicRuntime(createAnthropicClient({ apiKey: key, baseURL: url }), { defaultMaxTokens: 1024 }),
    faults: [
      ['429 rate_limit_error (recorded, retry-after 17)', 'rate_limited', 17_000, recordedErrorFault('anthropic', 429)],
      ['529 overloaded_error (recorded) with retry-after', 'overloaded', 2000, recordedErrorFault('anthropic', 529, { headers: { 'retry-after': '2' } })],
      ['503', 'overloaded', 1000, { status: 503, headers: { 'retry-after': '1' }, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }],
      ['500 api_error (recorded)', 'server_error', undefined, recordedErrorFault('anthropic', 500)],
    ],
    badKey: 'auth',
  },
  {
    name: 'gemini',
    model: 'gemini-2.5-flash',
    start: () => startGeminiEmulator({ apiKey: KEY }),
    runtime: (url, key = KEY) => createGeminiRuntime(createGeminiClient({ apiKey: key, baseURL: url })),
    faults: [
      ['429 RESOURCE_EXHAUSTED (recorded, RetryInfo 47s)', 'rate_limited', 47_000, recordedErrorFault('gemini', 429)],
      ['503 UNAVAILABLE (recorded)', 'overloaded', undefined, recordedErrorFault('gemini', 503)],
      ['500 INTERNAL (recorded)', 'server_error', undefined, recordedErrorFault('gemini', 500)],
    ],
    badKey: 'auth',
  },
];

describe.each(vendors)('$name runtime against its emulator (official SDK, real HTTP)', (vendor) => {
  let emulator: Emulator;
  let runtime: ProviderRuntime;
  beforeAll(async () => {
    emulator = await vendor.start();
    runtime = vendor.runtime(emulator.url);
  });
  afterEach(() => emulator.faults.set(null));
  afterAll(async () => emulator?.close());

  it('answers text: content, the serving model, usage', async () => {
    const completion = await runtime.complete(ask('Say hello'), vendor.model, context(), options());
    expect(completion.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'echo: Say hello' }, finish_reason: 'stop' });
    expect(completion.model).toBe(vendor.model);
    expect(completion.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });

  it('streams text: role first, the same answer, finish stop, usage', async () => {
    const { chunks, usage, result } = await collect(runtime, ask('Say hello to everyone'), vendor.model);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(result.choices[0]).toMatchObject({ message: { content: 'echo: Say hello to everyone' }, finish_reason: 'stop' });
    expect(chunks.filter((c) => c.choices[0]!.finish_reason)).toHaveLength(1);
    expect(usage).toMatchObject({ completion_tokens: 5 });
  });

  it('tool round trip with parallel calls: calls → tool results → final answer', async () => {
    const tools = [tool('get_weather'), tool('get_time')];
    const prompt = { role: 'user', content: 'call get_weather and get_time for Paris' };
    const call = await runtime.complete(request({ messages: [prompt], tools }), vendor.model, context(), options());
    const toolCalls = call.choices[0]!.message.tool_calls ?? [];
    expect(call.choices[0]!.finish_reason).toBe('tool_calls');
    expect(toolCalls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['get_weather', { location: 'Paris' }],
      ['get_time', { location: 'Paris' }],
    ]);
    expect(new Set(toolCalls.map((c) => c.id)).size).toBe(2);
    const answer = await runtime.complete(
      request({
        messages: [prompt, { role: 'assistant', content: call.choices[0]!.message.content, tool_calls: toolCalls }, ...toolCalls.map((c, i) => ({ role: 'tool', tool_call_id: c.id, content: `r${i}` }))],
        tools,
      }),
      vendor.model,
      context(),
      options(),
    );
    expect(answer.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: expect.stringMatching(/^echo: result .*r0.*r1/) } });
  });

  it('streams a tool call: header then arguments, finish tool_calls', async () => {
    const { result } = await collect(runtime, request({ messages: [{ role: 'user', content: 'call get_weather for Rome' }], tools: [tool('get_weather')] }), vendor.model);
    expect(result.choices[0]!.finish_reason).toBe('tool_calls');
    expect(result.choices[0]!.message.tool_calls!.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([['get_weather', { location: 'Rome' }]]);
  });

  it.each(vendor.faults)('%s → %s, with the wait the vendor asked for', async (_name, code, retryAfterMs, fault) => {
    emulator.faults.set({ ...fault, times: 1 });
    const error = await caught(runtime.complete(ask('x'), vendor.model, context(), options()));
    expect([error.code, error.retryable, error.retryAfterMs]).toEqual([code, true, retryAfterMs]);
  });

  it('a refused key is our credential problem (auth), not retryable', async () => {
    const error = await caught(vendor.runtime(emulator.url, 'wrong-key').complete(ask('x'), vendor.model, context(), options()));
    expect([error.code, error.retryable]).toEqual([vendor.badKey, false]);
  });

  it('a malformed body → server_error', async () => {
    emulator.faults.set({ malformed: true, times: 1 });
    expect((await caught(runtime.complete(ask('x'), vendor.model, context(), options()))).code).toBe('server_error');
  });

  it('a stream cut mid-body is a (retryable) connection error, never a success', async () => {
    emulator.faults.set({ cutStreamAfterChunks: 2, times: 1 });
    const error = await caught(collect(runtime, ask('one two three four five six'), vendor.model));
    expect([error.code, error.retryable]).toEqual(['connection', true]);
  });

  it('a hanging vendor → timeout', async () => {
    emulator.faults.set({ hang: true, times: 1 });
    expect((await caught(runtime.complete(ask('x'), vendor.model, context(), options(200)))).code).toBe('timeout');
  });

  it('the caller aborting → cancelled, and the vendor sees the hang-up', async () => {
    emulator.faults.set({ hang: true, times: 1 });
    const controller = new AbortController();
    const before = emulator.requests.length;
    const pending = caught(runtime.stream(ask('x'), vendor.model, context(), options(5000, controller.signal), () => undefined));
    await emulator.arrived(before + 1);
    controller.abort();
    expect((await pending).code).toBe('cancelled');
    expect(await emulator.requests[before]!.outcome).toBe('aborted');
  });

  it('a part the vendor cannot take is refused before any request', async () => {
    const before = emulator.requests.length;
    const bad = request({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x.test/a.png' } }] }] });
    const error = await caught(runtime.complete(bad, vendor.model, context(), options()));
    expect([error.status, error.param, emulator.requests.length]).toEqual([400, 'messages[0].content[0]', before]);
  });
});

describe('vendor-specific behaviour against the emulators', () => {
  it('Anthropic: an error event mid-stream throws the classified error after the first chunks', async () => {
    const emulator = await startAnthropicEmulator({ apiKey: KEY });
    try {
      emulator.faults.set({ cutStreamAfterChunks: 3, midStreamError: true, times: 1 });
      const chunks: ChatCompletionChunk[] = [];
      const runtime = createAnthropicRuntime(createAnthropicClient({ apiKey: KEY, baseURL: emulator.url }), { defaultMaxTokens: 64 });
      const error = await caught(runtime.stream(ask('one two three four'), 'claude-x', context(), options(), (c) => void chunks.push(c)));
      expect([error.code, error.retryable]).toEqual(['overloaded', true]);
      expect(chunks.length).toBeGreaterThan(0);
    } finally {
      await emulator.close();
    }
  });

  it('Anthropic: the configured max_tokens default reaches the wire when the client sets none', async () => {
    const emulator = await startAnthropicEmulator({ apiKey: KEY });
    try {
      const runtime = createAnthropicRuntime(createAnthropicClient({ apiKey: KEY, baseURL: emulator.url }), { defaultMaxTokens: 321 });
      await runtime.complete(ask('x'), 'claude-x', context(), options());
      expect(emulator.requests[0]!.body).toMatchObject({ max_tokens: 321, model: 'claude-x' });
    } finally {
      await emulator.close();
    }
  });

  it('Gemini: a safety finish → content_filter, in both modes', async () => {
    const emulator = await startGeminiEmulator({ apiKey: KEY });
    try {
      const runtime = createGeminiRuntime(createGeminiClient({ apiKey: KEY, baseURL: emulator.url }));
      const completion = await runtime.complete(ask('please trigger-safety'), 'gemini-x', context(), options());
      expect(completion.choices[0]!.finish_reason).toBe('content_filter');
      const { result } = await collect(runtime, ask('please trigger-safety'), 'gemini-x');
      expect(result.choices[0]!.finish_reason).toBe('content_filter');
    } finally {
      await emulator.close();
    }
  });
});
