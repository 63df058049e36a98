import { Queue, Worker, type Job } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../test/helpers/test-redis.js';
import { stillHoldsLock } from './stale-fetch.js';

const LOCK_MS = 300;
const redis = testRedis();
const prefix = testPrefix('stale-fetch');
const queue = new Queue('stale', { connection: redis.duplicate(), prefix });
// No processor: jobs are fetched by hand, as BullMQ's loop fetches them, and held as long as a test needs.
const worker = new Worker('stale', null, { connection: redis.duplicate(), prefix, lockDuration: LOCK_MS });
afterAll(async () => {
  await worker.close();
  await queue.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

async function fetchOne(name: string): Promise<Job> {
  await queue.add(name, {}, { jobId: name });
  const job = await worker.getNextJob(`${name}-token`);
  if (!job) throw new Error('no job fetched');
  return job;
}

const lockKey = (job: Job): string => `${prefix}:stale:${job.id}:lock`;

/** As if the job had waited past its lock duration: fetched long ago, its lock expired. */
async function lapse(job: Job): Promise<void> {
  job.processedOn = Date.now() - 2 * LOCK_MS;
  await redis.del(lockKey(job));
}

describe('stillHoldsLock', () => {
  it('trusts a job fetched just now without asking Redis', async () => {
    const job = await fetchOne('fresh');
    await redis.del(lockKey(job)); // were it asked, Redis would say the lock is gone
    expect(await stillHoldsLock(job, LOCK_MS)).toBe(true);
  });

  it('renews the lock of a job held past half the lock duration while the lock is still its own', async () => {
    const job = await fetchOne('held');
    job.processedOn = Date.now() - 10 * LOCK_MS; // fetched "long ago", but the lock (just set) is still ours
    expect(await stillHoldsLock(job, 10 * LOCK_MS)).toBe(true);
    expect(await redis.pttl(lockKey(job))).toBeGreaterThan(LOCK_MS);
  });

  it('gives up a job whose lock lapsed while it waited, and one another fetch has taken since', async () => {
    const lapsed = await fetchOne('lapsed');
    await lapse(lapsed);
    expect(await stillHoldsLock(lapsed, LOCK_MS)).toBe(false);

    const taken = await fetchOne('taken');
    await lapse(taken);
    await redis.set(lockKey(taken), 'another-token', 'PX', 10_000); // another fetch holds it now
    expect(await stillHoldsLock(taken, LOCK_MS)).toBe(false);
    expect(await redis.get(lockKey(taken))).toBe('another-token');
  });
});
