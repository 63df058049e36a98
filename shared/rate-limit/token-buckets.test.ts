import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { deploymentScope, keyScope, teamScope, type RateScope } from './bucket-keys.js';
import { TokenBuckets } from './token-buckets.js';

let redis: Redis;
const prefix = testPrefix('rl-buckets');
const T0 = 1_700_000_000_000;
let now = T0;
let buckets: TokenBuckets;
let seq = 0;
/** A fresh deployment per test, so tests share the prefix but never a bucket. */
let dep: RateScope;

beforeAll(() => {
  redis = testRedis();
  buckets = new TokenBuckets(redis, prefix, { clock: () => now });
});
beforeEach(() => {
  now = T0;
  dep = deploymentScope(`dep-${++seq}`);
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('reserve', () => {
  it('takes the request and the tokens from every bucket it names', async () => {
    const result = await buckets.reserve([{ scope: dep, rpm: 10, tpm: 1000 }], { requests: 1, tokens: 400 });
    expect(result.ok).toBe(true);
    expect(result.remaining).toEqual({ requests: 9, tokens: 600 });
    const peek = await buckets.peek([{ scope: dep, rpm: 10, tpm: 1000 }], { requests: 1, tokens: 0 });
    expect(peek).toEqual({ retryAfterMs: 0, pausedMs: 0, remaining: { requests: 9, tokens: 600 } });
  });

  it('takes nothing from any bucket when one bucket is short, and says exactly how long to wait', async () => {
    const limits = [{ scope: dep, rpm: 10, tpm: 1000 }];
    expect((await buckets.reserve(limits, { requests: 1, tokens: 900 })).ok).toBe(true);
    const refused = await buckets.reserve(limits, { requests: 1, tokens: 200 });
    // 100 tokens short at 1000/60000 per ms.
    expect(refused).toEqual({ ok: false, retryAfterMs: 6000, pausedMs: 0, remaining: { requests: 9, tokens: 100 } });
    const peek = await buckets.peek(limits, { requests: 0, tokens: 0 });
    expect(peek.remaining).toEqual({ requests: 9, tokens: 100 });
  });

  it('checks key and team buckets together: a short team bucket leaves the key bucket untouched', async () => {
    const team = `team-${seq}`;
    const limits = [
      { scope: keyScope(team, 'k1'), rpm: 100, tpm: 10_000 },
      { scope: teamScope(team), rpm: 100, tpm: 1_000 },
    ];
    expect((await buckets.reserve(limits, { requests: 1, tokens: 800 })).ok).toBe(true);
    const refused = await buckets.reserve(limits, { requests: 1, tokens: 300 });
    expect(refused).toMatchObject({ ok: false, retryAfterMs: 6000 });
    const key = await buckets.peek([{ scope: keyScope(team, 'k1'), rpm: 100, tpm: 10_000 }], { requests: 0, tokens: 0 });
    expect(key.remaining).toEqual({ requests: 99, tokens: 9_200 });
  });

  it('refills continuously: the wait shrinks with elapsed time and ends exactly on time', async () => {
    const limits = [{ scope: dep, rpm: 60 }];
    for (let i = 0; i < 60; i++) expect((await buckets.reserve(limits, { requests: 1, tokens: 0 })).ok).toBe(true);
    expect(await buckets.reserve(limits, { requests: 1, tokens: 0 })).toMatchObject({ ok: false, retryAfterMs: 1000 });
    now = T0 + 400;
    expect(await buckets.reserve(limits, { requests: 1, tokens: 0 })).toMatchObject({ ok: false, retryAfterMs: 600 });
    now = T0 + 1000;
    expect((await buckets.reserve(limits, { requests: 1, tokens: 0 })).ok).toBe(true);
  });

  it('stops refilling at capacity, so idle time buys no burst beyond the limit', async () => {
    const limits = [{ scope: dep, rpm: 10, tpm: 1000 }];
    expect((await buckets.reserve(limits, { requests: 1, tokens: 10 })).ok).toBe(true);
    now = T0 + 10 * 60_000;
    expect((await buckets.peek(limits, { requests: 0, tokens: 0 })).remaining).toEqual({ requests: 10, tokens: 1000 });
    expect(await buckets.reserve(limits, { requests: 11, tokens: 0 })).toMatchObject({ ok: true, remaining: { requests: -1 } });
  });

  it('reports the wait of the slowest bucket', async () => {
    const limits = [{ scope: dep, rpm: 60, tpm: 600 }];
    expect((await buckets.reserve(limits, { requests: 60, tokens: 600 })).ok).toBe(true);
    // RPM needs 1 request: 1000 ms; TPM needs 50 tokens at 10 per s: 5000 ms.
    expect(await buckets.reserve(limits, { requests: 1, tokens: 50 })).toMatchObject({ ok: false, retryAfterMs: 5000 });
    now = T0 + 4999;
    expect((await buckets.reserve(limits, { requests: 1, tokens: 50 })).ok).toBe(false);
    now = T0 + 5000;
    expect((await buckets.reserve(limits, { requests: 1, tokens: 50 })).ok).toBe(true);
  });

  it('admits a request larger than the capacity when the bucket is full, leaving it in debt', async () => {
    const limits = [{ scope: dep, tpm: 1000 }];
    const big = await buckets.reserve(limits, { requests: 1, tokens: 1500 });
    expect(big).toMatchObject({ ok: true, remaining: { requests: null, tokens: -500 } });
    // Back to 100 tokens takes 600 tokens of refill: 36 s.
    expect(await buckets.reserve(limits, { requests: 1, tokens: 100 })).toMatchObject({ ok: false, retryAfterMs: 36_000 });
    now = T0 + 60_000;
    expect(await buckets.reserve(limits, { requests: 1, tokens: 1500 })).toMatchObject({ ok: false, retryAfterMs: 30_000 });
  });

  it('rejects scopes of different tag groups, duplicate scopes and non-positive limits', async () => {
    const amount = { requests: 1, tokens: 1 };
    await expect(buckets.reserve([{ scope: dep }, { scope: teamScope('x') }], amount)).rejects.toThrow(RangeError);
    await expect(buckets.reserve([{ scope: dep }, { scope: dep }], amount)).rejects.toThrow(/twice/);
    await expect(buckets.reserve([{ scope: dep, rpm: 0 }], amount)).rejects.toThrow(/rpm/);
    await expect(buckets.reserve([{ scope: dep, rpm: 1 }], { requests: 1, tokens: -1 })).rejects.toThrow(/tokens/);
    expect(() => deploymentScope('a}b')).toThrow(RangeError);
  });
});

describe('settle and release', () => {
  const limits = () => [{ scope: dep, rpm: 10, tpm: 1000 }];

  it('settle gives back unused tokens but keeps the request', async () => {
    const r = await buckets.reserve(limits(), { requests: 1, tokens: 800 });
    if (!r.ok) throw new Error('expected a reservation');
    expect(await buckets.settle(r.reservation, 300)).toBe(true);
    expect((await buckets.peek(limits(), { requests: 0, tokens: 0 })).remaining).toEqual({ requests: 9, tokens: 700 });
  });

  it('settle charges the excess into debt, which delays later reservations', async () => {
    const r = await buckets.reserve(limits(), { requests: 1, tokens: 800 });
    if (!r.ok) throw new Error('expected a reservation');
    expect(await buckets.settle(r.reservation, 1500)).toBe(true);
    const peek = await buckets.peek(limits(), { requests: 1, tokens: 100 });
    expect(peek).toEqual({ retryAfterMs: 36_000, pausedMs: 0, remaining: { requests: 9, tokens: -500 } });
  });

  it('settle and release act once: repeating either changes nothing', async () => {
    const r = await buckets.reserve(limits(), { requests: 1, tokens: 800 });
    if (!r.ok) throw new Error('expected a reservation');
    expect(await buckets.settle(r.reservation, 300)).toBe(true);
    expect(await buckets.settle(r.reservation, 0)).toBe(false);
    expect(await buckets.release(r.reservation)).toBe(false);
    expect((await buckets.peek(limits(), { requests: 0, tokens: 0 })).remaining).toEqual({ requests: 9, tokens: 700 });
  });

  it('release gives back the request and all the tokens, capped at capacity', async () => {
    const r = await buckets.reserve(limits(), { requests: 1, tokens: 800 });
    if (!r.ok) throw new Error('expected a reservation');
    now = T0 + 30_000; // half refilled: 700 tokens, requests back to 10
    expect(await buckets.release(r.reservation)).toBe(true);
    expect((await buckets.peek(limits(), { requests: 0, tokens: 0 })).remaining).toEqual({ requests: 10, tokens: 1000 });
    // A full bucket is the same as none: nothing is left in Redis.
    expect(await redis.exists(r.reservation.buckets.map((b) => b.key))).toBe(0);
  });

  it('survives a round trip of the reservation through JSON (job data)', async () => {
    const r = await buckets.reserve(limits(), { requests: 1, tokens: 800 });
    if (!r.ok) throw new Error('expected a reservation');
    const { reservationSchema } = await import('./reservation.js');
    const copy = reservationSchema.parse(JSON.parse(JSON.stringify(r.reservation)));
    expect(await buckets.release(copy)).toBe(true);
  });
});

describe('block', () => {
  it('pauses a scope for every caller, and a shorter pause does not cut it short', async () => {
    const limits = [{ scope: dep, rpm: 10 }];
    expect(await buckets.block(dep, 5000)).toBe(T0 + 5000);
    now = T0 + 1000;
    expect(await buckets.block(dep, 1000)).toBe(T0 + 5000);
    const other = new TokenBuckets(redis, prefix, { clock: () => now });
    expect(await other.reserve(limits, { requests: 1, tokens: 0 })).toMatchObject({ ok: false, retryAfterMs: 4000, pausedMs: 4000 });
    expect((await buckets.peek(limits, { requests: 0, tokens: 0 })).remaining).toEqual({ requests: 10, tokens: null });
    expect((await buckets.reserve([{ scope: deploymentScope(`${dep.name}-other`) }], { requests: 1, tokens: 0 })).ok).toBe(true);
    now = T0 + 5000;
    expect((await other.reserve(limits, { requests: 1, tokens: 0 })).ok).toBe(true);
  });

  it('reports the longer of the pause and the bucket wait', async () => {
    const limits = [{ scope: dep, rpm: 6 }];
    expect((await buckets.reserve(limits, { requests: 6, tokens: 0 })).ok).toBe(true);
    await buckets.block(dep, 2000);
    expect(await buckets.reserve(limits, { requests: 1, tokens: 0 })).toMatchObject({ ok: false, retryAfterMs: 10_000, pausedMs: 2000 });
  });
});

describe('idle expiry', () => {
  it('gives a bucket a TTL of its time to refill, plus a second', async () => {
    const r = await buckets.reserve([{ scope: dep, rpm: 60 }], { requests: 30, tokens: 0 });
    if (!r.ok) throw new Error('expected a reservation');
    const ttl = await redis.pttl(r.reservation.buckets[0]?.key ?? '');
    expect(ttl).toBeGreaterThan(30_000);
    expect(ttl).toBeLessThanOrEqual(31_000);
  });
});
