import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentConfig } from '../../shared/config/config-schema.js';
import { TokenBuckets } from '../../shared/rate-limit/index.js';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { DeploymentPacing } from './deployment-pacing.js';

const redis = testRedis();
const prefix = testPrefix('pacing');
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const deployments = {
  unpaced: {} as DeploymentConfig,
  paced: { rpm: 60 } as DeploymentConfig,
};

describe('DeploymentPacing.acquireNow', () => {
  let buckets: TokenBuckets;
  let pacing: DeploymentPacing;
  beforeEach(() => {
    buckets = new TokenBuckets(redis, `${prefix}-${Math.random()}`);
    pacing = new DeploymentPacing(buckets, deployments, { pauseRecheckMs: 60_000 });
  });

  it('answers an unpaced deployment without Redis only after a recent read of its pause', async () => {
    expect(pacing.acquireNow('unpaced')).toBeUndefined();
    expect(await pacing.acquire('unpaced', 0)).toEqual({ ok: true, reservation: null });
    expect(pacing.acquireNow('unpaced')).toEqual({ ok: true, reservation: null });
  });

  it('never answers a paced deployment by itself: its buckets are in Redis', async () => {
    await pacing.acquire('paced', 0);
    expect(pacing.acquireNow('paced')).toBeUndefined();
  });

  it('refuses at once while a pause this process wrote lasts, on either kind of deployment', async () => {
    await pacing.pause('unpaced', 30_000);
    await pacing.pause('paced', 30_000);
    for (const name of ['unpaced', 'paced']) {
      const admission = pacing.acquireNow(name);
      expect(admission).toMatchObject({ ok: false, paused: true });
      expect(admission && !admission.ok && admission.waitMs).toBeGreaterThan(29_000);
    }
  });

  it('sees a pause another process wrote once it reads it again', async () => {
    const other = new DeploymentPacing(buckets, deployments, { pauseRecheckMs: 0 });
    await other.pause('unpaced', 30_000);
    // A process that has not read this deployment's pause must ask Redis, and finds it.
    const fresh = new DeploymentPacing(buckets, deployments, { pauseRecheckMs: 0 });
    expect(fresh.acquireNow('unpaced')).toBeUndefined();
    expect(await fresh.acquire('unpaced', 0)).toMatchObject({ ok: false, paused: true });
  });
});
