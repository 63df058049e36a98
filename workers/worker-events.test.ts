import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentConfig } from '../shared/config/config-schema.js';
import { TokenBuckets } from '../shared/rate-limit/index.js';
import { EventSubscriber } from '../shared/redis/event-subscriber.js';
import { RedisKeys } from '../shared/redis/redis-keys.js';
import { deletePrefix, testPrefix, testRedis } from '../test/helpers/test-redis.js';
import { DeploymentPacing } from './dispatch/deployment-pacing.js';
import { PauseNotices } from './dispatch/pause-notices.js';
import { listenForWorkerEvents } from './worker-events.js';

const redis = testRedis();
const prefix = testPrefix('worker-events');
const keys = new RedisKeys(prefix);
const subscribers: Array<ReturnType<typeof testRedis>> = [];
afterAll(async () => {
  for (const s of subscribers) s.disconnect();
  await deletePrefix(redis, prefix); // also the buckets' `${prefix}-<n>`
  redis.disconnect();
});

const deployments = { unpaced: {} as DeploymentConfig };

/** A worker process's pacing, listening as WorkerPool does; `next(method)` resolves when the listener next calls it. */
async function listeningWorker(buckets: TokenBuckets) {
  // A long recheck: within this test only a notice, never a re-read, can tell it of a pause.
  const pacing = new DeploymentPacing(buckets, deployments, { pauseRecheckMs: 60_000 });
  const aborted: string[] = [];
  const waiting = new Map<string, () => void>();
  const spy = <K extends 'heard' | 'forgetReads'>(method: K) => (...args: Parameters<DeploymentPacing[K]>) => {
    (pacing[method] as (...a: unknown[]) => void)(...args);
    waiting.get(method)?.();
  };
  const subscriber = testRedis();
  subscribers.push(subscriber);
  await listenForWorkerEvents(new EventSubscriber(subscriber), keys, {
    inflight: { abort: (id) => (aborted.push(id), waiting.get('abort')?.(), true) },
    pacing: { heard: spy('heard'), forgetReads: spy('forgetReads') },
  });
  const next = (method: 'heard' | 'forgetReads' | 'abort'): Promise<void> => new Promise((resolve) => waiting.set(method, resolve));
  return { pacing, aborted, subscriber, next };
}

describe('worker pub/sub events', () => {
  // Each test's pauses in Redis are its own; the channels are shared, and notices name deployments.
  let buckets: TokenBuckets;
  let n = 0;
  beforeEach(() => {
    buckets = new TokenBuckets(redis, `${prefix}-${(n += 1)}`);
  });

  it('a pause another process announces applies at once, though this process read "not paused" a moment ago', async () => {
    const worker = await listeningWorker(buckets);
    expect(await worker.pacing.acquire('unpaced', 0)).toEqual({ ok: true, reservation: null });
    expect(worker.pacing.acquireNow('unpaced')).toEqual({ ok: true, reservation: null });

    const elsewhere = new DeploymentPacing(buckets, deployments, { notices: new PauseNotices(redis, keys.pauseEvents()) });
    const heard = worker.next('heard');
    await elsewhere.pause('unpaced', 30_000);
    await heard;

    const admission = worker.pacing.acquireNow('unpaced');
    expect(admission).toMatchObject({ ok: false, paused: true });
    expect(admission && !admission.ok && admission.waitMs).toBeGreaterThan(29_000);
  });

  it('routes cancel requests to the running calls, and ignores malformed pause notices', async () => {
    const worker = await listeningWorker(buckets);
    await worker.pacing.acquire('unpaced', 0);
    const aborted = worker.next('abort');
    await redis.publish(keys.pauseEvents(), 'not json');
    await redis.publish(keys.pauseEvents(), JSON.stringify({ deployment: 'unpaced', ms: -5 }));
    await redis.publish(keys.cancelEvents(), 'job-123');
    await aborted; // published after the malformed notices, so they have been handled
    expect(worker.aborted).toEqual(['job-123']);
    expect(worker.pacing.acquireNow('unpaced')).toEqual({ ok: true, reservation: null });
  });

  it('once its connection is back and subscribed again, the next job re-reads the pause from Redis', async () => {
    const worker = await listeningWorker(buckets);
    await worker.pacing.acquire('unpaced', 0);
    expect(worker.pacing.acquireNow('unpaced')).toEqual({ ok: true, reservation: null });
    const forgot = worker.next('forgetReads');
    worker.subscriber.disconnect(true);
    await forgot;
    expect(worker.pacing.acquireNow('unpaced')).toBeUndefined();
  });
});

describe('PauseNotices.parse', () => {
  it('reads what publish writes and nothing else', () => {
    expect(PauseNotices.parse(JSON.stringify({ deployment: 'a', ms: 1500 }))).toEqual({ deployment: 'a', ms: 1500 });
    for (const junk of ['', 'a 1500', '{}', JSON.stringify({ deployment: '', ms: 1 }), JSON.stringify({ deployment: 'a', ms: 0 })]) {
      expect(PauseNotices.parse(junk)).toBeNull();
    }
  });
});
