import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreakers, type CircuitPolicy } from '../../shared/circuit/circuit-breaker.js';
import { openAIErrorFault, startOpenAIEmulator, type OpenAIEmulator } from '../emulators/index.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
import { testRedis } from '../helpers/test-redis.js';

/*
 * A half-open probe whose outcome says nothing about the deployment's health (a bad request, a rate
 * limit) must neither close nor re-open the circuit: it gives its lease back, and the next call is
 * the probe. Only a healthy answer closes it.
 */
const POLICY: CircuitPolicy = { failureRate: 0.5, minRequests: 2, windowMs: 60_000, cooldownMs: 300 };

describe('half-open probes', () => {
  let emulator: OpenAIEmulator;
  let gateway: TestGateway;
  let headers: Record<string, string>;
  const redis = testRedis();
  let breakers: CircuitBreakers;

  beforeAll(async () => {
    emulator = await startOpenAIEmulator();
    const config = testConfig({
      deployments: { flaky: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: emulator.url, maxAttempts: 1, circuitBreaker: POLICY } },
      models: { flaky: [{ deployment: 'flaky', model: 'gpt-4o' }] },
    });
    gateway = await startTestGateway(config);
    headers = { authorization: `Bearer ${(await gateway.createKey('team-cb')).key}`, 'content-type': 'application/json' };
    // Reads Redis on every call (no cached "closed"), as another process would.
    breakers = new CircuitBreakers(redis, config.redis.keyPrefix, 0);
  });
  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
    await redis.quit();
  });

  async function chat(content: string): Promise<{ status: number; code?: string }> {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'flaky', messages: [{ role: 'user', content }] }) });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code };
  }

  const state = async (): Promise<string> => (await breakers.states(['flaky'])).flaky!;

  it('keeps the circuit half-open after a probe ends in 400 or 429, and closes it on a healthy probe', async () => {
    emulator.faults.push(openAIErrorFault('500', { times: 2 }));
    expect((await chat('fail 1')).code).toBe('server_error');
    expect((await chat('fail 2')).code).toBe('server_error');
    expect(await state()).toBe('open');

    // After the cooldown this call is the probe; the vendor rejects the request itself.
    emulator.faults.push(openAIErrorFault('400', { times: 1 }));
    expect(await chat('bad request probe')).toEqual({ status: 400, code: 'invalid_request' });
    expect(emulator.requests).toHaveLength(3);
    expect(await state()).toBe('half_open');

    // The lease was given back: the next call probes at once (a plain 429, no retry-after, so no pause).
    emulator.faults.push({ status: 429, body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, times: 1 });
    expect(await chat('rate limited probe')).toEqual({ status: 429, code: 'rate_limited' });
    expect(emulator.requests).toHaveLength(4);
    expect(await state()).toBe('half_open');
    const verdict = await breakers.acquire('flaky', POLICY);
    expect(verdict.verdict).toBe('probe'); // free to probe, no cooldown to wait
    expect(await breakers.releaseProbe('flaky')).toBe('half_open');

    // A healthy probe closes the circuit.
    expect((await chat('healthy probe')).status).toBe(200);
    expect(await state()).toBe('closed');
  }, 15_000);

  it('re-opens the circuit when the probe fails for a health reason', async () => {
    emulator.faults.push(openAIErrorFault('500', { times: 2 }));
    await chat('fail 3');
    await chat('fail 4');
    expect(await state()).toBe('open');
    emulator.faults.push(openAIErrorFault('503', { times: 1 }));
    expect((await chat('overloaded probe')).code).toBe('overloaded');
    expect(await state()).toBe('open');
  }, 15_000);
});
