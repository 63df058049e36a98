import type { Job } from 'bullmq';
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
