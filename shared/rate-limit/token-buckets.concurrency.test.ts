import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { deploymentScope } from './bucket-keys.js';
import { TokenBuckets } from './token-buckets.js';

/** Several clients stand for several worker processes: each has its own connection. */
const CLIENTS = 4;
const prefix = testPrefix('rl-conc');
let clients: Redis[];

beforeAll(() => {
  clients = Array.from({ length: CLIENTS }, () => testRedis());
});
afterAll(async () => {
  const [first] = clients;
  if (first) await deletePrefix(first, prefix);
  for (const c of clients) c.disconnect();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('concurrent reservers', () => {
  it('admit exactly the capacity of rpm=120 at one instant, however many race for it', async () => {
    const at = 1_700_000_000_000;
    const scope = deploymentScope('burst');
    const fleets = clients.map((c) => new TokenBuckets(c, prefix, { clock: () => at }));
    const results = await Promise.all(
      fleets.flatMap((b) => Array.from({ length: 100 }, () => b.reserve([{ scope, rpm: 120 }], { requests: 1, tokens: 0 }))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(120);
    // Every refusal names the same exact wait: one request at 2 per second.
    expect(new Set(results.filter((r) => !r.ok).map((r) => (r.ok ? 0 : r.retryAfterMs)))).toEqual(new Set([500]));
  });

  it('take from both buckets or neither: the TPM limit caps admissions and RPM is charged only for those', async () => {
    const at = 1_700_000_000_000;
    const scope = deploymentScope('both');
    const limits = [{ scope, rpm: 120, tpm: 6000 }];
    const fleets = clients.map((c) => new TokenBuckets(c, prefix, { clock: () => at }));
    const results = await Promise.all(
      fleets.flatMap((b) => Array.from({ length: 50 }, () => b.reserve(limits, { requests: 1, tokens: 100 }))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(60);
    const [first] = fleets;
    expect((await first?.peek(limits, { requests: 0, tokens: 0 }))?.remaining).toEqual({ requests: 60, tokens: 0 });
  });

  it('never exceed rpm=120 in any window on the real server clock, retrying after retryAfterMs', async () => {
    const scope = deploymentScope('paced');
    const fleets = clients.map((c) => new TokenBuckets(c, prefix));
    const admitted: number[] = [];
    const started = performance.now();
    const runMs = 2000;
    // Each client keeps 5 reservers busy, as a worker with concurrency 5 would.
    await Promise.all(
      fleets.flatMap((b) =>
        Array.from({ length: 5 }, async () => {
          while (performance.now() - started < runMs) {
            const r = await b.reserve([{ scope, rpm: 120 }], { requests: 1, tokens: 0 });
            if (r.ok) admitted.push(performance.now());
            // Waiting out retryAfterMs is the behaviour under test, not a stand-in for an event.
            else await pause(Math.min(r.retryAfterMs, runMs));
          }
        }),
      ),
    );
    const elapsedMs = performance.now() - started;
    // A token bucket admits at most capacity + rate × window in any window; a 1-request slack covers
    // the client-side timestamps lagging the server's.
    admitted.sort((a, b) => a - b);
    for (let i = 0; i < admitted.length; i++) {
      for (let j = i; j < admitted.length; j++) {
        const windowMs = (admitted[j] ?? 0) - (admitted[i] ?? 0);
        expect(j - i + 1).toBeLessThanOrEqual(120 + Math.floor((windowMs * 120) / 60_000) + 1);
      }
    }
    expect(admitted.length).toBeLessThanOrEqual(120 + Math.ceil((elapsedMs * 120) / 60_000));
    // Reservers that wait exactly retryAfterMs keep the bucket busy: at most a couple of refills lost.
    expect(admitted.length).toBeGreaterThanOrEqual(120 + Math.floor((runMs * 120) / 60_000) - 2);
  });
});

describe('real server clock', () => {
  it('reports a wait that is exact: just before it the bucket is still short, at it the request passes', async () => {
    const redis = clients[0];
    if (!redis) throw new Error('no client');
    const scope = deploymentScope('exact');
    const buckets = new TokenBuckets(redis, prefix);
    const limits = [{ scope, rpm: 60 }];
    const t0 = performance.now();
    expect((await buckets.reserve(limits, { requests: 60, tokens: 0 })).ok).toBe(true);
    const first = await buckets.reserve(limits, { requests: 1, tokens: 0 });
    // The server time between the two scripts is at most the client time around both calls.
    const betweenMs = performance.now() - t0;
    if (first.ok) throw new Error('expected a refusal');
    expect(first.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(first.retryAfterMs).toBeGreaterThanOrEqual(1000 - Math.ceil(betweenMs) - 1);
    await pause(first.retryAfterMs / 2);
    const half = await buckets.reserve(limits, { requests: 1, tokens: 0 });
    if (half.ok) throw new Error('expected a refusal');
    expect(half.retryAfterMs).toBeLessThanOrEqual(Math.ceil(first.retryAfterMs / 2) + 1);
    await pause(half.retryAfterMs);
    expect((await buckets.reserve(limits, { requests: 1, tokens: 0 })).ok).toBe(true);
  });
});
