import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { deploymentScope, keyScope, teamScope } from './bucket-keys.js';
import type { Reservation, ScopeLimits } from './reservation.js';
import { TokenBuckets } from './token-buckets.js';

const T0 = 1_700_000_000_000;
let now = T0;
let redis: Redis;
let prefix: string;
let buckets: TokenBuckets;
const dep = deploymentScope('reaped');
// TPM refills 1 token per ms, so a refund of 50,000 tokens stands out from refill.
const limits = [{ scope: dep, rpm: 60, tpm: 60_000 }];

beforeAll(() => {
  redis = testRedis();
});
beforeEach(() => {
  now = T0;
  // Each test gets its own prefix: the reaper walks every tag group under one.
  prefix = testPrefix('rl-reaper');
  buckets = new TokenBuckets(redis, prefix, { clock: () => now, holdMs: 1000, retentionMs: 5000 });
});
afterEach(async () => {
  await deletePrefix(redis, prefix);
});
afterAll(() => {
  redis.disconnect();
});

async function reserveOk(b: TokenBuckets, l: readonly ScopeLimits[] = limits, tokens = 50_000): Promise<Reservation> {
  const r = await b.reserve(l, { requests: 1, tokens });
  if (!r.ok) throw new Error('expected a reservation');
  return r.reservation;
}

async function level() {
  return (await buckets.peek(limits, { requests: 0, tokens: 0 })).remaining;
}

describe('reapExpired', () => {
  it('releases a reservation only once its deadline has passed, then settle is a no-op', async () => {
    const r = await reserveOk(buckets);
    now = T0 + 999;
    expect(await buckets.reapExpired()).toBe(0);
    expect((await level()).tokens).toBe(10_999);
    now = T0 + 1001;
    expect(await buckets.reapExpired()).toBe(1);
    expect((await level()).tokens).toBe(60_000);
    expect(await buckets.settle(r, 200)).toBe(false);
    expect(await buckets.release(r)).toBe(false);
    expect(await buckets.reapExpired()).toBe(0);
  });

  it('leaves settled reservations alone', async () => {
    const r = await reserveOk(buckets);
    expect(await buckets.settle(r, 50_000)).toBe(true);
    now = T0 + 2000;
    expect(await buckets.reapExpired()).toBe(0);
    expect((await level()).tokens).toBe(12_000);
  });

  it('honours a per-reservation hold', async () => {
    await buckets.reserve(limits, { requests: 1, tokens: 10 }, { holdMs: 60_000 });
    now = T0 + 30_000;
    expect(await buckets.reapExpired()).toBe(0);
    now = T0 + 60_001;
    expect(await buckets.reapExpired()).toBe(1);
  });

  it('reaps across tag groups and batches, each reservation once, with several reapers at once', async () => {
    const deployment = [{ scope: dep, rpm: 1000 }];
    const team = [{ scope: keyScope('t1', 'k1'), tpm: 1_000_000 }, { scope: teamScope('t1'), tpm: 1_000_000 }];
    for (let i = 0; i < 150; i++) await reserveOk(buckets, deployment, 0);
    for (let i = 0; i < 30; i++) await reserveOk(buckets, team, 10_000);
    now = T0 + 1500;
    const reapers = [0, 1, 2].map(() => new TokenBuckets(redis, prefix, { clock: () => now, holdMs: 1000, retentionMs: 5000 }));
    const counts = await Promise.all(reapers.map((r) => r.reapExpired()));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(180);
    // Without the refunds: 850 + 25 refilled requests, and 700,000 + 25,000 tokens.
    expect((await buckets.peek(deployment, { requests: 0, tokens: 0 })).remaining.requests).toBe(1000);
    expect((await buckets.peek(team, { requests: 0, tokens: 0 })).remaining.tokens).toBe(1_000_000);
  });

  it('drops an idle, empty tag group from its index but keeps one with pending reservations', async () => {
    const other = deploymentScope('busy');
    await reserveOk(buckets);
    now = T0 + 10_000;
    await reserveOk(buckets, [{ scope: other, rpm: 10 }]);
    const registry = buckets.keys.tagRegistry();
    expect(await buckets.reapExpired()).toBe(1);
    expect(await redis.zscore(registry, dep.tag)).toBeNull();
    expect(await redis.zscore(registry, other.tag)).not.toBeNull();
  });

  it('drops, without refund, an orphan nobody reaped within the retention', async () => {
    const r = await reserveOk(buckets);
    now = T0 + 1000 + 5001;
    await reserveOk(buckets, limits, 1); // each reservation trims the stale ones of its group
    expect(await redis.hexists(buckets.keys.reservations(dep.tag), r.id)).toBe(0);
    expect(await buckets.reapExpired()).toBe(0);
    expect(await buckets.release(r)).toBe(false);
    expect((await level()).tokens).toBe(10_000 + 6001 - 1);
  });
});
