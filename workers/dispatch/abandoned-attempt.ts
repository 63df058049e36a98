import { Job } from 'bullmq';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { isTerminal } from '../../shared/jobs/job-record.js';
import type { DispatchDeps } from './dispatch-deps.js';
import { failJob } from './job-transitions.js';

/**
 * An attempt job BullMQ gave up on: its processing threw every time (something the dispatcher does
 * not handle: Redis failing mid-attempt, job data it cannot read), so nothing would ever move its
 * job record again and its client would wait forever. The record is failed with an internal error,
 * which ends it like any failure (waiters, webhook, the settle of its admission holds). A record
 * that already ended, or has moved on to a later attempt, is left alone. Returns whether it failed it.
 */
export async function failAbandonedAttempt(deps: DispatchDeps, job: Job): Promise<boolean> {
  // Read loosely: the data may be what could not be parsed.
  const { jobId, seq } = (job.data ?? {}) as { jobId?: unknown; seq?: unknown };
  if (typeof jobId !== 'string' || typeof seq !== 'number') return false;
  const record = await deps.store.get(jobId);
  if (!record || isTerminal(record.status) || record.seq !== seq) return false;
  const error = new GatewayError('internal', 'A worker could not process this job (it failed the same way on every try); submit it again.');
  await failJob(deps, record, record.attempts, error);
  return true;
}

/** How far back the sweep looks among the attempts BullMQ failed (its failed set is ordered by when). */
export const ABANDONED_LOOKBACK_MS = 60 * 60_000;
/** Failed attempts looked at per deployment and sweep, newest first. */
const SWEEP_LIMIT = 200;

/**
 * The repair for what the worker's `failed` handler could not do: it fails the record at the moment
 * BullMQ gives up, and that can fail too (the same Redis outage that failed the attempt) or never run
 * (the worker died right after). Every worker sweeps the deployments' recently failed attempts on
 * start and then periodically; failing a record is idempotent (FINISH writes once), so sweeps and
 * handlers racing each other end a job once. Returns how many records it failed.
 */
export async function sweepAbandonedAttempts(deps: DispatchDeps, deployments: readonly string[], now = Date.now()): Promise<number> {
  let failed = 0;
  for (const deployment of deployments) {
    const queue = deps.queues.queue(deployment);
    for (const id of await queue.getRanges(['failed'], 0, SWEEP_LIMIT - 1, false)) {
      const job = await Job.fromId(queue, id);
      if (!job) continue;
      if ((job.finishedOn ?? 0) < now - ABANDONED_LOOKBACK_MS) break; // newest first: the rest are older
      if (await failAbandonedAttempt(deps, job)) failed++;
    }
  }
  return failed;
}
