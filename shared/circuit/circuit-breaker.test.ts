import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { CircuitBreakers, type CircuitPolicy } from './circuit-breaker.js';

const redis = testRedis();
const prefix = testPrefix('cb');
const breakers = new CircuitBreakers(redis, prefix);
const policy: CircuitPolicy = { failureRate: 0.5, minRequests: 4, windowMs: 60_000, cooldownMs: 150 };

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

async function waitUntilProbe(deployment: string): Promise<void> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const verdict = await breakers.acquire(deployment, policy);
    if (verdict.verdict === 'probe') return;
    if (verdict.verdict !== 'open' || Date.now() > deadline) throw new Error(`expected a probe, got ${verdict.verdict}`);
    // The open verdict names the exact wait; sleep that long, not a guess.
    await new Promise((resolve) => setTimeout(resolve, verdict.waitMs + 1));
  }
}

describe('CircuitBreakers', () => {
  it('stays closed until the window holds the minimum number of calls', async () => {
    expect(await breakers.record('a', policy, false, false)).toBe('closed');
    expect(await breakers.record('a', policy, false, false)).toBe('closed');
    expect(await breakers.record('a', policy, false, false)).toBe('closed');
    expect((await breakers.acquire('a', policy)).verdict).toBe('closed');
  });

  it('opens at the failure rate, then rejects calls with the remaining cooldown', async () => {
    await breakers.record('b', policy, true, false);
    await breakers.record('b', policy, true, false);
    await breakers.record('b', policy, false, false);
    expect(await breakers.record('b', policy, false, false)).toBe('open');
    const verdict = await breakers.acquire('b', policy);
    expect(verdict.verdict).toBe('open');
    if (verdict.verdict === 'open') expect(verdict.waitMs).toBeLessThanOrEqual(policy.cooldownMs);
    expect(await breakers.states(['b', 'never-used'])).toEqual({ b: 'open', 'never-used': 'closed' });
  });

  it('lets exactly one probe through after the cooldown; its success closes the circuit', async () => {
    for (let i = 0; i < 4; i++) await breakers.record('c', policy, false, false);
    await waitUntilProbe('c');
    expect((await breakers.acquire('c', policy)).verdict).toBe('open'); // a second caller waits for the probe
    expect(await breakers.states(['c'])).toEqual({ c: 'half_open' });
    expect(await breakers.record('c', policy, true, true)).toBe('closed');
    expect((await breakers.acquire('c', policy)).verdict).toBe('closed');
  });

  it('re-opens when the probe fails', async () => {
    for (let i = 0; i < 4; i++) await breakers.record('d', policy, false, false);
    await waitUntilProbe('d');
    expect(await breakers.record('d', policy, false, true)).toBe('open');
    expect((await breakers.acquire('d', policy)).verdict).toBe('open');
  });

  it('is shared by every client of the same Redis', async () => {
    const other = testRedis();
    const elsewhere = new CircuitBreakers(other, prefix);
    for (let i = 0; i < 4; i++) await breakers.record('e', policy, false, false);
    expect((await elsewhere.acquire('e', policy)).verdict).toBe('open');
    await other.quit();
  });

  it('trusts a recent "closed" without a round trip, and never after it saw the circuit open', async () => {
    const other = testRedis();
    const trusting = new CircuitBreakers(other, prefix, 60_000);
    const asking = new CircuitBreakers(other, prefix, 0);
    expect((await trusting.acquire('f', policy)).verdict).toBe('closed');
    for (let i = 0; i < 4; i++) await breakers.record('f', policy, false, false);
    // Opened by another process: the trusting instance still answers from its cache...
    expect((await trusting.acquire('f', policy)).verdict).toBe('closed');
    // ...an instance without the cache sees it at once...
    expect((await asking.acquire('f', policy)).verdict).toBe('open');
    // ...and an outcome recorded here that says "open" drops the cached "closed".
    expect(await trusting.record('f', policy, false, false)).toBe('open');
    expect((await trusting.acquire('f', policy)).verdict).toBe('open');
    await other.quit();
  });
});
