import { request as httpRequest, type IncomingMessage } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord, PublicJob } from '../../shared/jobs/job-record.js';
import { JobStore } from '../../shared/jobs/job-store.js';
import { deploymentScope, TokenBuckets } from '../../shared/rate-limit/index.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { MAX_BUFFERED_BYTES } from '../../api/sse-stream.js';
import { startAnthropicEmulator, type Emulator } from '../emulators/index.js';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai-emulator.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } },
};
const TPM = 100_000;

/** Streaming through the queue: what counts as the first token, failover before it, and what a stream holds. */
describe('streams: failover before the first token, aborts and backpressure', () => {
  let anthropic: Emulator;
  let primary: OpenAIEmulator;
  let fallback: OpenAIEmulator;
  let metered: OpenAIEmulator;
  let gateway: TestGateway;
  let client: OpenAI;
  let key: string;
  let store: JobStore;

  beforeAll(async () => {
    [anthropic, primary, fallback, metered] = await Promise.all([startAnthropicEmulator(), startOpenAIEmulator(), startOpenAIEmulator(), startOpenAIEmulator()]);
    const quiet = { circuitBreaker: { minRequests: 10_000 } };
    gateway = await startTestGateway(
      testConfig({
        deployments: {
          'claude-main': { provider: 'anthropic', apiKey: 'sk-test-emulator', baseURL: anthropic.url, maxAttempts: 1, ...quiet },
          'oa-primary': { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: primary.url, maxAttempts: 1, timeoutMs: 300, ...quiet },
          'oa-fallback': { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: fallback.url, ...quiet },
          metered: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: metered.url, rpm: 1000, tpm: TPM, maxAttempts: 1, ...quiet },
        },
        models: {
          claude: [{ deployment: 'claude-main', model: 'claude-sonnet-4-5' }, { deployment: 'oa-fallback', model: 'gpt-4o-mini' }],
          smart: [{ deployment: 'oa-primary', model: 'gpt-4o' }, { deployment: 'oa-fallback', model: 'gpt-4o-mini' }],
          metered: [{ deployment: 'metered', model: 'gpt-4o' }],
          bulk: [{ deployment: 'oa-fallback', model: 'gpt-4o' }],
        },
      }),
    );
    key = (await gateway.createKey('team-stream')).key;
    client = gateway.client(key);
    store = new JobStore(gateway.redis, new RedisKeys(gateway.config.redis.keyPrefix), 3600);
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([anthropic?.close(), primary?.close(), fallback?.close(), metered?.close()]);
  });
  beforeEach(() => {
    for (const emulator of [anthropic, primary, fallback, metered]) emulator?.faults.set(null);
    for (const emulator of [primary, fallback, metered]) emulator?.streams.set(null);
  });

  const publicJob = async (id: string | null): Promise<PublicJob> =>
    (await (await fetch(`${gateway.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as PublicJob;
  const outcomes = (job: PublicJob | JobRecord) => job.attempts.map((a) => `${a.deployment}:${a.error?.code ?? a.status}`);
  /** The raw SSE body of a streaming call, read to its end. */
  const rawStream = async (body: Record<string, unknown>) => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
    });
    return { res, text: await res.text() };
  };

  it('fails over when Anthropic sends message_start and then an overloaded error: one clean stream from the fallback', async () => {
    anthropic.faults.set({ cutStreamAfterChunks: 1, midStreamError: true, times: 1 });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'overloaded start' }], stream: true })
      .withResponse();
    const roles: string[] = [];
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.role) roles.push(chunk.choices[0].delta.role);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    // The primary's role chunk was held back, so the client sees the fallback's alone.
    expect(roles).toEqual(['assistant']);
    expect(text).toBe('echo: overloaded start');
    expect(finish).toBe('stop');
    const job = await publicJob(response.headers.get('x-switchyard-job-id'));
    expect(job.status).toBe('succeeded');
    expect(outcomes(job)).toEqual(['claude-main:overloaded', 'oa-fallback:succeeded']);
    expect(job.result?.model).toBe('gpt-4o-mini');
  });

  it('fails over when the primary sends its role chunk and then only keep-alives past the time-to-first-token deadline', async () => {
    primary.streams.set({ stallAfterChunks: 1, keepAliveMs: 50, times: 1 });
    const before = primary.requests.length;
    const { res, text } = await rawStream({ model: 'smart', messages: [{ role: 'user', content: 'slow first token' }] });
    expect(res.status).toBe(200);
    expect(text).toContain('"content":" first"');
    expect(text).not.toContain('"error"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text.match(/"role":"assistant"/g)).toHaveLength(1);
    // Keep-alive events did not reset the deadline: the primary was given up on (and hung up on).
    expect(await primary.requests[before]!.outcome).toBe('aborted');
    const job = await publicJob(res.headers.get('x-switchyard-job-id'));
    expect(outcomes(job)).toEqual(['oa-primary:timeout', 'oa-fallback:succeeded']);
  });

  it('after the first token, a stall is a cut: error event, no [DONE], the job failed with estimated usage', async () => {
    primary.streams.set({ stallAfterChunks: 3, times: 1 });
    const { res, text } = await rawStream({ model: 'smart', messages: [{ role: 'user', content: 'stall after words' }] });
    expect(text).toContain('"delta":{"content":"echo:"}');
    expect(text).toContain('"code":"timeout"');
    expect(text).not.toContain('[DONE]');
    const record = (await store.get(res.headers.get('x-switchyard-job-id')!))!;
    expect(record.status).toBe('failed');
    expect(outcomes(record)).toEqual(['oa-primary:timeout']);
    // OpenAI reports usage only in its last chunk: what the client got is estimated and charged.
    const attempt = record.attempts[0]!;
    expect(attempt.usage_estimated).toBe(true);
    expect(attempt.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(attempt.usage?.completion_tokens).toBeGreaterThanOrEqual(2);
    expect(attempt.usage?.total_tokens).toBe(attempt.usage!.prompt_tokens + attempt.usage!.completion_tokens);
  });

  it('streams OpenAI tool-call deltas to the SDK, with a usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'smart',
      messages: [{ role: 'user', content: 'call get_weather for Lisbon' }],
      tools: [weather],
      stream: true,
      stream_options: { include_usage: true },
    });
    let id = '';
    let name = '';
    let args = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        expect(delta.index).toBe(0);
        id ||= delta.id ?? '';
        name += delta.function?.name ?? '';
        args += delta.function?.arguments ?? '';
      }
    }
    expect(id).toMatch(/^call_emu/);
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ location: 'Lisbon' });
    expect(finish).toBe('tool_calls');
    expect(usage?.completion_tokens).toBe(5);
  });

  it('answers an OpenAI tool call without streaming, and its round trip', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'call get_weather for Paris' }];
    const first = await client.chat.completions.create({ model: 'smart', messages, tools: [weather] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)]).toEqual(['get_weather', { location: 'Paris' }]);
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: 'sunny' });
    const second = await client.chat.completions.create({ model: 'smart', messages, tools: [weather] });
    expect(second.choices[0]?.message.content).toBe('echo: sunny');
  });

  it('a client aborting a stream aborts the vendor call, gives back its token reservation, and the job ends cancelled', async () => {
    const buckets = new TokenBuckets(gateway.redis, gateway.config.redis.keyPrefix);
    const limits = [{ scope: deploymentScope('metered'), rpm: 1000, tpm: TPM }];
    const level = async (): Promise<number> => (await buckets.peek(limits, { requests: 0, tokens: 0 })).remaining.tokens ?? Number.NaN;
    const reservations = () => gateway.redis.hlen(buckets.keys.reservations(deploymentScope('metered').tag));
    metered.streams.set({ stallAfterChunks: 3, times: 1 });
    const before = metered.requests.length;
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'metered', messages: [{ role: 'user', content: 'abort me midway' }], max_tokens: 40_000, stream: true })
      .withResponse();
    const iterator = stream[Symbol.asyncIterator]();
    let text = '';
    while (!text) text += (await iterator.next()).value?.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo:');
    // Mid-stream the reservation (prompt + max_tokens) is held.
    expect(await reservations()).toBe(1);
    expect(await level()).toBeLessThan(TPM - 39_000);

    stream.controller.abort();
    expect(await metered.requests[before]!.outcome).toBe('aborted');
    const deadline = Date.now() + 5000;
    while ((await reservations()) > 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(await reservations()).toBe(0);
    // Settled with the partial usage (a few tokens), so nearly the whole bucket is back.
    expect(await level()).toBeGreaterThan(TPM - 1000);
    const job = await publicJob(response.headers.get('x-switchyard-job-id'));
    expect(job.status).toBe('cancelled');
    expect(job.error?.code).toBe('cancelled');
  });

  it(`cuts a client that stops reading once more than ${MAX_BUFFERED_BYTES} bytes wait for it: error event, no [DONE], job cancelled`, async () => {
    // Far more than the socket buffers and the bound together, and then the vendor stays open.
    // (Hyphens, not one long word: the tokenizer estimating the prompt is quadratic in a word's length.)
    const piece = 'lorem-'.repeat(10_000);
    const chunks = 200;
    fallback.streams.set({ repeat: chunks, stallAfterChunks: 1 + 2 * chunks, times: 1 });
    const before = fallback.requests.length;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      });
      req.on('response', resolve).on('error', reject);
      req.end(JSON.stringify({ model: 'bulk', messages: [{ role: 'user', content: piece }], stream: true }));
    });
    // A client that does not read: TCP backpressure reaches the gateway.
    response.pause();
    expect(response.statusCode).toBe(200);
    expect(await fallback.requests[before]!.outcome).toBe('aborted');

    let received = '';
    response.setEncoding('utf8');
    response.on('data', (data: string) => (received += data));
    await new Promise((resolve) => response.on('end', resolve).resume());
    expect(received.length).toBeLessThan(chunks * piece.length);
    expect(received.trimEnd().endsWith('}')).toBe(true);
    expect(received.slice(-400)).toContain(`fell more than ${MAX_BUFFERED_BYTES} bytes behind`);
    expect(received).not.toContain('[DONE]');
    const job = await publicJob(String(response.headers['x-switchyard-job-id']));
    expect(job.status).toBe('cancelled');
  }, 20_000);
});
