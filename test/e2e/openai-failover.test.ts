import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { JobStore } from '../../shared/jobs/job-store.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { openAIErrorFault, startOpenAIEmulator, type EmulatorFault, type OpenAIEmulator } from '../emulators/index.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

/**
 * The fault matrix for an OpenAI primary: each failure class gets the outcome the failover policy
 * specifies, the client gets exactly one answer, and every attempt is on the job.
 */
describe('OpenAI primary: retries, failover and vendor errors', () => {
  let primary: OpenAIEmulator;
  let fallback: OpenAIEmulator;
  let gateway: TestGateway;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    primary = await startOpenAIEmulator();
    fallback = await startOpenAIEmulator();
    gateway = await startTestGateway(
      testConfig({
        deployments: {
          // This file provokes many primary failures on purpose; its circuit must stay out of the way
          // (the circuit breaker has its own test below).
          primary: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: primary.url, maxAttempts: 2, timeoutMs: 400, circuitBreaker: { minRequests: 10_000 } },
          fallback: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: fallback.url },
          // Nothing listens on port 9 (discard): every call is refused.
          refused: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: 'http://127.0.0.1:9/v1', maxAttempts: 1 },
        },
        models: {
          smart: [{ deployment: 'primary', model: 'gpt-4o' }, { deployment: 'fallback', model: 'gpt-4o-mini' }],
          solo: [{ deployment: 'primary', model: 'gpt-4o' }],
          unreachable: [{ deployment: 'refused', model: 'gpt-4o' }, { deployment: 'fallback', model: 'gpt-4o-mini' }],
        },
      }),
    );
    key = (await gateway.createKey('team-f')).key;
    client = gateway.client(key);
  });
  afterAll(async () => {
    await gateway?.close();
    await primary?.close();
    await fallback?.close();
  });
  beforeEach(() => {
    primary.faults.set(null);
    fallback.faults.set(null);
  });

  async function jobOf(response: Response): Promise<PublicJob> {
    const id = response.headers.get('x-switchyard-job-id');
    return (await (await fetch(`${gateway.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as PublicJob;
  }

  const ask = (model: string, content: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();

  it('passes a plain completion through unchanged but for our id', async () => {
    const { data, response } = await ask('smart', 'plain call');
    expect(data.choices[0]?.message.content).toBe('echo: plain call');
    expect(data.model).toBe('gpt-4o');
    expect(data.usage?.total_tokens).toBe(5);
    expect(response.headers.get('x-switchyard-deployment')).toBe('primary');
    // The vendor got our provider key, never the client's virtual key.
    expect(primary.requests.at(-1)?.headers.authorization).toBe('Bearer sk-test-emulator');
  });

  it.each<[string, EmulatorFault, string[]]>([
    ['429 with retry-after, once', openAIErrorFault('429', { times: 1, headers: { 'retry-after': '0' } }), ['failed:rate_limited', 'succeeded']],
    ['500, once', openAIErrorFault('500', { times: 1 }), ['failed:server_error', 'succeeded']],
    ['503 overloaded, once', openAIErrorFault('503', { times: 1 }), ['failed:overloaded', 'succeeded']],
    ['a malformed body, once', { malformed: true, times: 1 }, ['failed:server_error', 'succeeded']],
  ])('retries on the same deployment after %s', async (_name, fault, outcomes) => {
    primary.faults.set(fault);
    const { data, response } = await ask('smart', 'retry me');
    expect(data.choices[0]?.message.content).toBe('echo: retry me');
    const job = await jobOf(response);
    expect(job.attempts.map((a) => (a.error ? `${a.status}:${a.error.code}` : a.status))).toEqual(outcomes);
    expect(job.attempts.every((a) => a.deployment === 'primary')).toBe(true);
  });

  it.each<[string, EmulatorFault, string]>([
    ['500', openAIErrorFault('500'), 'server_error'],
    ['503 overloaded', openAIErrorFault('503'), 'overloaded'],
    ['a hang past the timeout', { hang: true }, 'timeout'],
  ])('fails over to the next target after repeated %s', async (_name, fault, code) => {
    primary.faults.set(fault);
    const before = fallback.requests.length;
    const { data, response } = await ask('smart', 'fail over');
    expect(data.choices[0]?.message.content).toBe('echo: fail over');
    expect(data.model).toBe('gpt-4o-mini');
    expect(response.headers.get('x-switchyard-deployment')).toBe('fallback');
    expect(fallback.requests.length).toBe(before + 1);
    const job = await jobOf(response);
    expect(job.attempts.map((a) => `${a.deployment}:${a.error?.code ?? a.status}`)).toEqual([`primary:${code}`, `primary:${code}`, 'fallback:succeeded']);
  });

  it('fails over when the primary refuses connections', async () => {
    const { data, response } = await ask('unreachable', 'knock knock');
    expect(data.choices[0]?.message.content).toBe('echo: knock knock');
    const job = await jobOf(response);
    expect(job.attempts.map((a) => `${a.deployment}:${a.error?.code ?? a.status}`)).toEqual(['refused:connection', 'fallback:succeeded']);
  });

  it('never retries or fails over a 400: the client gets it with the vendor\'s message', async () => {
    primary.faults.set(openAIErrorFault('400'));
    const before = fallback.requests.length;
    const error = (await ask('smart', 'bad').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect(error.message).toContain("Invalid 'messages'");
    expect(fallback.requests.length).toBe(before);
  });

  it('reports our vendor credential failing as a 502, without the key', async () => {
    primary.faults.set(openAIErrorFault('401'));
    const error = (await ask('smart', 'who am I').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(502);
    expect(JSON.stringify(error.error)).not.toMatch(/sk-[A-Za-z0-9*]{8,}/);
  });

  it('answers 504 when a route with no fallback times out on every attempt', async () => {
    primary.faults.set({ hang: true });
    const error = (await ask('solo', 'too slow').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(504);
    expect((error.error as { code?: string }).code).toBe('timeout');
  });

  it('honours x-switchyard-fallbacks: none', async () => {
    primary.faults.set(openAIErrorFault('500'));
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-switchyard-fallbacks': 'none' },
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'no plan b' }] }),
    });
    expect(res.status).toBe(502);
    expect((await jobOf(res)).attempts.map((a) => a.deployment)).toEqual(['primary', 'primary']);
  });

  it('streams through the queue, failing over before the first token', async () => {
    primary.faults.set(openAIErrorFault('503'));
    const stream = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'stream after failover' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: stream after failover');
  });

  it('ends a stream cut after its first token with an error event, never [DONE]', async () => {
    primary.faults.set({ cutStreamAfterChunks: 2, times: 1 });
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'cut me off please' }], stream: true }),
    });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).toContain('"delta":{"content":"echo:"}');
    expect(body).toContain('"error":{');
    expect(body).not.toContain('[DONE]');
    // The job failed, charged with an estimate of what was streamed (OpenAI reports usage only at the end).
    const cut = await new JobStore(gateway.redis, new RedisKeys(gateway.config.redis.keyPrefix), 60).get(res.headers.get('x-switchyard-job-id')!);
    expect(cut?.status).toBe('failed');
    expect(cut?.attempts.at(-1)?.usage_estimated).toBe(true);
    expect(cut?.attempts.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
    // The SDK surfaces the error event as an exception rather than a clean end.
    primary.faults.set({ cutStreamAfterChunks: 2, times: 1 });
    const stream = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'cut me off again' }], stream: true });
    const consume = async () => {
      for await (const _ of stream) void _;
    };
    await expect(consume()).rejects.toThrow();
  });

  it('opens the circuit of a failing deployment: later jobs skip it without calling it', async () => {
    const breaking = await startTestGateway(
      testConfig({
        deployments: {
          flaky: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: primary.url, maxAttempts: 1, circuitBreaker: { minRequests: 3, failureRate: 0.5, cooldownMs: 60_000 } },
          steady: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: fallback.url },
        },
        models: { guarded: [{ deployment: 'flaky', model: 'gpt-4o' }, { deployment: 'steady', model: 'gpt-4o-mini' }] },
      }),
    );
    try {
      const guardedKey = (await breaking.createKey('team-cb')).key;
      const guarded = breaking.client(guardedKey);
      primary.faults.set(openAIErrorFault('500'));
      for (let i = 0; i < 3; i++) await guarded.chat.completions.create({ model: 'guarded', messages: [{ role: 'user', content: `trip ${i}` }] });
      const callsBefore = primary.requests.length;
      const { data, response } = await guarded.chat.completions.create({ model: 'guarded', messages: [{ role: 'user', content: 'after the trip' }] }).withResponse();
      expect(data.choices[0]?.message.content).toBe('echo: after the trip');
      expect(primary.requests.length).toBe(callsBefore);
      const id = response.headers.get('x-switchyard-job-id');
      const job = (await (await fetch(`${breaking.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${guardedKey}` } })).json()) as PublicJob;
      expect(job.attempts.map((a) => `${a.deployment}:${a.error?.code ?? a.status}`)).toEqual(['flaky:unavailable', 'steady:succeeded']);
      const ready = (await (await fetch(`${breaking.url}/readyz`)).json()) as { details: Record<string, string> };
      expect(ready.details['circuit:flaky']).toBe('open');
    } finally {
      await breaking.close();
    }
  });
});
