import type { Job } from 'bullmq';

/**
 * False when BullMQ hands the processor a job it fetched so long ago that the lock has lapsed. That
 * happens: with concurrency > 1, a job fetched just as the worker became rate-limited waits,
 * unprocessed and without lock renewals, until the limit ends. Past the lock duration the stalled
 * check has put it back in the queue and another fetch (even this worker's) runs it, so running it
 * here as well would call the vendor twice. Renewing the lock answers whether it is still ours: one
 * Redis call, only for a job fetched more than half a lock duration ago (BullMQ renews at that
 * cadence, so a fresher lock cannot have lapsed).
 */
export async function stillHoldsLock(job: Job, lockDurationMs: number): Promise<boolean> {
  if (job.processedOn === undefined || Date.now() - job.processedOn < lockDurationMs / 2) return true;
  return (await job.extendLock(job.token ?? '', lockDurationMs)) === 1;
}
