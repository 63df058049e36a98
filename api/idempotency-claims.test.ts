import { afterAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../shared/errors/gateway-error.js';
import type { JobRecord } from '../shared/jobs/job-record.js';
import { JobStore } from '../shared/jobs/job-store.js';
import { RedisKeys } from '../shared/redis/redis-keys.js';
import { deletePrefix, testPrefix, testRedis } from '../test/helpers/test-redis.js';
import { IdempotencyClaims, requestFingerprint } from './idempotency-claims.js';

describe('requestFingerprint', () => {
  it('ignores key order and whitespace but not values', () => {
    const a = requestFingerprint({ request: { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, metadata: { a: '1', b: '2' } });
    const b = requestFingerprint(JSON.parse('{ "metadata": {"b":"2","a":"1"}, "request": {"messages":[{"content":"hi","role":"user"}], "model":"m"} }'));
    expect(b).toBe(a);
    expect(requestFingerprint({ request: { model: 'm', messages: [{ role: 'user', content: 'hi!' }] }, metadata: { a: '1', b: '2' } })).not.toBe(a);
    expect(requestFingerprint([1, 2])).not.toBe(requestFingerprint([2, 1]));
  });
});

describe('IdempotencyClaims', () => {
  const redis = testRedis();
  const keys = new RedisKeys(testPrefix('idem'));
  const store = new JobStore(redis, keys, 60);
  let n = 0;
  const claims = new IdempotencyClaims(redis, keys, store, 60, () => `job_${++n}`);
  afterAll(async () => {
    await deletePrefix(redis, keys.prefix);
    await redis.quit();
  });

  it('fails a claimant whose claim was taken over before it wrote its job, and leaves the new claim alone', async () => {
    const claimKey = keys.idempotency('key_1', 'slow');
    let wrote = false;
    const run = claims.run('key_1', 'slow', 'fp', async (_id, confirm) => {
      // The claimant stalled past its lease and another process took the key over.
      await redis.set(claimKey, 'job_other|fp|1', 'EX', 60);
      await confirm();
      wrote = true;
      return {} as JobRecord;
    });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('idempotency_key_in_use');
    expect(wrote).toBe(false);
    expect(await redis.get(claimKey)).toBe('job_other|fp|1');
  });

  it('renews its lease when the claimant confirms, and gives the key back when it fails', async () => {
    const claimKey = keys.idempotency('key_1', 'fails');
    const before = Date.now();
    const err = await claims
      .run('key_1', 'fails', 'fp', async (id, confirm) => {
        await confirm();
        const [job, fingerprint, atMs] = (await redis.get(claimKey))!.split('|');
        expect([job, fingerprint]).toEqual([id, 'fp']);
        expect(Number(atMs)).toBeGreaterThanOrEqual(before);
        throw new GatewayError('rate_limited', 'no');
      })
      .catch((e: unknown) => e);
    expect((err as GatewayError).code).toBe('rate_limited');
    expect(await redis.exists(claimKey)).toBe(0);
  });

  it('reads a claim from before fingerprints (a bare job id) as matching any body', async () => {
    const claimKey = keys.idempotency('key_1', 'legacy');
    await redis.set(claimKey, 'job_legacy', 'EX', 60);
    // No record for job_legacy and a claim time of 0: its claimant is long gone, so the key is taken over.
    await expect(claims.run('key_1', 'legacy', 'fp', async (id) => ({ id }) as JobRecord)).resolves.toEqual({ record: { id: `job_${n}` }, replay: false });
    expect((await redis.get(claimKey))?.split('|')[1]).toBe('fp');
  });
});
