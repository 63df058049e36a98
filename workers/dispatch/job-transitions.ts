import type { GatewayError } from '../../shared/errors/gateway-error.js';
import { isTerminal, type AttemptRecord, type JobRecord } from '../../shared/jobs/job-record.js';
import type { LlmJobData } from '../../shared/queues/llm-job-data.js';
import { raiseBudgetAlerts } from '../../shared/usage/budget-alerts.js';
import type { DispatchDeps } from './dispatch-deps.js';
import { deadlineExceeded, nextStep } from './next-step.js';

/**
 * How a job moves between attempts. Each move first advances the record (ADVANCE, guarded by the
 * current seq) and only then adds the next BullMQ job with its deterministic id, so a crash in
 * between is repaired by the replayed attempt (START answers 'stale', which calls `ensureEnqueued`).
 */

/** After a failed attempt: retry, fail over, or fail, as `nextStep` decides from the error code. */
export async function afterFailure(deps: DispatchDeps, record: JobRecord, attempts: AttemptRecord[], error: GatewayError): Promise<void> {
  const decision = nextStep(record, attempts, error, deps.config.deployments, deps.config.workers);
  if (decision.kind === 'fail') return failJob(deps, record, attempts, error);
  if (decision.kind === 'deadline') return failJob(deps, record, attempts, deadlineExceeded(error));
  if (decision.kind === 'failover') {
    deps.metrics.failovers.inc({ from: record.route[record.step]!.deployment, to: record.route[decision.step]!.deployment });
  }
  await moveTo(deps, record, decision.step, attempts, decision.kind === 'retry' ? decision.delayMs : 0);
}

/** Hands the job to route step `step` (same or next target), after `delayMs`. */
export async function moveTo(deps: DispatchDeps, record: JobRecord, step: number, attempts: AttemptRecord[], delayMs: number): Promise<void> {
  const nextSeq = record.seq + 1;
  if (await deps.store.advance(record, nextSeq, step, attempts)) {
    await ensureEnqueued(deps, { ...record, seq: nextSeq, step, attempts }, delayMs);
  }
}

export async function failJob(deps: DispatchDeps, record: JobRecord, attempts: AttemptRecord[], error: GatewayError): Promise<void> {
  const { written, record: finished } = await deps.store.finish(record, { status: 'failed', error: error.toData(), attempts });
  await (written ? afterEnd(deps, finished) : afterEndedElsewhere(deps, record.id));
}

/**
 * This attempt's FINISH found the job already ended by another hand (a cancel while the call ran,
 * mostly): makes sure the follow-ups of that end happened, from the record as it stands. The
 * canceller does them itself, but may have failed half-way, and no queued attempt is left to
 * replay them; both are idempotent, so doing them twice charges and sends nothing twice.
 */
export async function afterEndedElsewhere(deps: DispatchDeps, id: string): Promise<void> {
  const ended = await deps.store.get(id);
  if (ended && isTerminal(ended.status)) await settleAndNotify(deps, ended);
}

/** What follows a job's end, once: metrics, its key/team reservations settled (raising budget alerts), its webhook. */
export async function afterEnd(deps: DispatchDeps, record: JobRecord): Promise<void> {
  countJob(deps, record);
  await settleAndNotify(deps, record);
}

/** An ended job's idempotent follow-ups: its reservations settled (raising budget alerts) and its webhook enqueued. */
export async function settleAndNotify(deps: DispatchDeps, record: JobRecord): Promise<void> {
  await Promise.all([settleAndAlert(deps, record), ensureWebhook(deps, record)]);
}

/** Settles an ended job's key/team reservations (idempotent) and raises the budget alerts that settle crossed. */
async function settleAndAlert(deps: DispatchDeps, record: JobRecord): Promise<void> {
  await raiseBudgetAlerts(await deps.settler.settle(record), deps.webhooks, deps.metrics);
}

/** (Re-)adds the job's current BullMQ job; a no-op when it already exists. */
export async function ensureEnqueued(deps: DispatchDeps, record: JobRecord, delayMs: number): Promise<void> {
  const target = record.route[record.step]!;
  const data: LlmJobData = {
    v: 1,
    jobId: record.id,
    seq: record.seq,
    team: record.team,
    model: record.model,
    priority: record.priority,
    deadlineAt: record.deadlineAt,
    tokens: deps.pacing.bucketTokens(record.request, target.deployment),
    hasNext: record.step + 1 < record.route.length,
  };
  await deps.queues.add(target.deployment, data, delayMs);
}

/** Counts a job that just ended, under the deployment of its last attempt. */
export function countJob(deps: DispatchDeps, record: JobRecord): void {
  deps.metrics.jobs.inc({ status: record.status, model: record.model, deployment: record.attempts.at(-1)?.deployment ?? 'none', team: record.team });
}

async function ensureWebhook(deps: DispatchDeps, record: JobRecord): Promise<void> {
  if (!record.webhook || !isTerminal(record.status)) return;
  await deps.webhooks.enqueue({ v: 1, jobId: record.id, type: `job.${record.status as 'succeeded' | 'failed' | 'cancelled'}`, keyId: record.keyId });
}
