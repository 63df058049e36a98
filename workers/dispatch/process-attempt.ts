import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { GatewayError, toGatewayError } from '../../shared/errors/gateway-error.js';
import type { AttemptRecord, JobRecord } from '../../shared/jobs/job-record.js';
import { llmJobDataSchema } from '../../shared/queues/llm-job-data.js';
import { callVendor, StreamInterrupted } from './call-vendor.js';
import { circuitOutcome } from './circuit-outcome.js';
import type { DispatchDeps } from './dispatch-deps.js';
import { RateLimitSignal } from './deployment-pacing.js';
import { SHUTDOWN } from './inflight-calls.js';
import { createTraced } from '../../shared/tracing/spans.js';
import { timeFirstToken } from './time-to-first-token.js';
import { afterEnd, afterEndedElsewhere, afterFailure, ensureEnqueued, failJob, moveTo, settleAndNotify } from './job-transitions.js';

export type { DispatchDeps };

/**
 * Runs one attempt of a job (one BullMQ job on deployment queue `llm-<deployment>`) to its outcome:
 * success, retry, failover or failure, each recorded on the job record. Every path is safe to replay
 * after a crash: START refuses stale and finished attempts, moves advance the record before the
 * idempotent enqueue, and FINISH writes once. Throws only RateLimitSignal (bucket short: back to wait).
 */
export async function processAttempt(deps: DispatchDeps & AttemptLog, deploymentName: string, job: Job<unknown>): Promise<void> {
  const data = llmJobDataSchema.parse(job.data);
  const expired = data.deadlineAt > 0 && Date.now() >= data.deadlineAt;
  const admission = expired ? null : (deps.pacing.acquireNow(deploymentName) ?? (await deps.pacing.acquire(deploymentName, data.tokens)));
  // A short bucket sends the job back to wait, unless the wait would break its deadline.
  const wouldMissDeadline = admission !== null && !admission.ok && data.deadlineAt > 0 && Date.now() + admission.waitMs > data.deadlineAt;
  // A vendor pause longer than we would ever back off is better left for a fallback, as after the
  // 429 itself (next-step.ts): a job with a later target goes there now instead of waiting it out.
  const pausedTooLong = admission !== null && !admission.ok && admission.paused && data.hasNext === true && admission.waitMs > deps.config.workers.retryMaxDelayMs;
  if (admission && !admission.ok && !wouldMissDeadline && !pausedTooLong) throw new RateLimitSignal(admission.waitMs);
  const reservation = admission?.ok ? admission.reservation : null;

  const [{ outcome, record }] = await Promise.all([deps.store.start(data.jobId, data.seq), deps.queues.taken(deploymentName, data)]);
  deps.metrics.queueWait.observe({ deployment: deploymentName, priority: data.priority }, Math.max(0, Date.now() - job.timestamp - (job.opts.delay ?? 0)) / 1000);
  if (outcome !== 'run' || !record) {
    await deps.pacing.release(reservation);
    // A replay of a finished job: make sure what followed its end (webhook, accounting, the settle of
    // its admission holds — idempotent, so a worker that died right after FINISH leaves no orphan) happened.
    if (outcome === 'terminal' && record) {
      await Promise.all([settleAndNotify(deps, record), deps.accountant.recordAttempts(record)]);
      return;
    }
    if (outcome === 'stale' && record) return ensureEnqueued(deps, record, 0);
    return;
  }

  if (expired || wouldMissDeadline) return missDeadline(deps, record, expired);
  if (pausedTooLong && !admission.ok) return skipPausedTarget(deps, record, admission.waitMs);

  const target = record.route[record.step]!;
  const runtime = deps.runtimes.get(target.deployment);
  const deployment = deps.config.deployments[target.deployment];
  const refusal = !runtime || !deployment
    ? new GatewayError('internal', `Deployment '${target.deployment}' is not configured on this worker`)
    : record.streamed
      ? // A worker died mid-stream: the client saw part of an answer, and replaying it would duplicate text.
        new GatewayError('server_error', 'The stream was interrupted after it started (worker lost); retry the request.')
      : null;
  if (refusal || !runtime || !deployment) {
    await deps.pacing.release(reservation);
    return failJob(deps, record, record.attempts, refusal!);
  }

  const circuit = await deps.circuits.acquire(target.deployment, deployment.circuitBreaker);
  if (circuit.verdict === 'open') {
    await deps.pacing.release(reservation);
    return skipOpenCircuit(deps, record, circuit.waitMs);
  }

  const controller = deps.inflight.register(record.id);
  const startedMs = performance.now();
  const probe = circuit.verdict === 'probe';
  const recordHealth = (code: GatewayError['code'] | null): Promise<unknown> => {
    const health = circuitOutcome(code);
    // An outcome that says nothing about health must not close the circuit: a probe gives its lease back.
    if (health === null) return probe ? deps.circuits.releaseProbe(target.deployment) : Promise.resolve();
    return deps.circuits.record(target.deployment, deployment.circuitBreaker, health === 'ok', probe);
  };
  try {
    const timeoutMs = record.deadlineAt > 0 ? Math.max(1, Math.min(deployment.timeoutMs, record.deadlineAt - Date.now())) : deployment.timeoutMs;
    const timed = timeFirstToken(runtime, startedMs, (s) => deps.metrics.timeToFirstToken.observe({ deployment: target.deployment }, s));
    const attributes = { 'switchyard.job_id': record.id, 'switchyard.team': record.team, 'switchyard.deployment': target.deployment, 'gen_ai.request.model': target.model, 'switchyard.step': record.step };
    const completion = await createTraced(deps.config.tracing)('switchyard.vendor_call', attributes, () =>
      callVendor(record, target, timed, { ...deployment, timeoutMs }, controller.signal, deps.chunks),
    );
    const attempt: AttemptRecord = { ...attemptBase(record, startedMs), status: 'succeeded', error: null, usage: completion.usage ?? null };
    countAttempt(deps, record, attempt);
    const attempts = [...record.attempts, attempt];
    // Accounting and the bucket's settle are sent before FINISH on the same connection, so by the
    // time the client has its answer its usage is in the ledger and the deployment's TPM bucket
    // holds the real tokens, not the estimate (a next request of that client sees them).
    const accounted = deps.accountant.recordAttempts(record, attempts);
    const settled = deps.pacing.settle(reservation, completion.usage);
    const [{ written, record: finished }] = await Promise.all([
      deps.store.finish(record, { status: 'succeeded', result: completion, attempts }),
      accounted,
      settled,
      recordHealth(null),
    ]);
    await (written ? Promise.all([afterEnd(deps, finished), storeInCache(deps, finished)]) : afterEndedElsewhere(deps, record.id));
  } catch (err) {
    if (err instanceof StreamInterrupted) {
      const attempts = [...record.attempts, { ...failedAttempt(record, startedMs, err.error, err.partial.usage), ...(err.usageEstimated ? { usage_estimated: true } : {}) }];
      await Promise.all([deps.pacing.settle(reservation, err.partial.usage), recordHealth(err.error.code), deps.accountant.recordAttempts(record, attempts)]);
      return failJob(deps, record, attempts, err.error);
    }
    const error = toGatewayError(err);
    // A call that reached the vendor spent its request slot; one that never did gives it back.
    await (error.vendorStatus === undefined ? deps.pacing.release(reservation) : deps.pacing.settle(reservation, null));
    if (controller.signal.reason === SHUTDOWN) {
      if (probe) await deps.circuits.releaseProbe(target.deployment);
      return moveTo(deps, record, record.step, record.attempts, 0);
    }
    const attempts = [...record.attempts, failedAttempt(record, startedMs, error)];
    countAttempt(deps, record, attempts.at(-1)!);
    await Promise.all([recordHealth(error.code), deps.accountant.recordAttempts(record, attempts)]);
    if (error.code === 'rate_limited' && error.retryAfterMs) await deps.pacing.pause(target.deployment, error.retryAfterMs);
    await afterFailure(deps, record, attempts, error);
  } finally {
    deps.inflight.release(record.id, controller);
  }
}

/**
 * Stores a successful answer in the response cache, as the job's cache instructions say. Best
 * effort: the client already has its answer, and a failed write only costs a later miss.
 */
async function storeInCache(deps: DispatchDeps, record: JobRecord): Promise<void> {
  if (!deps.cache || !record.cache.store || !record.result) return;
  const context = { team: record.team, modelAlias: record.model, namespace: record.cache.namespace };
  await deps.cache.store(record.request, context, record.result as unknown as Record<string, unknown>, record.cache.ttlSeconds).catch(() => undefined);
}

/**
 * The job cannot meet its deadline here: past it, it fails with `deadline_exceeded`; otherwise (the
 * bucket wait would break it) it goes to the next target at once, if there is one.
 */
async function missDeadline(deps: DispatchDeps, record: JobRecord, expired: boolean): Promise<void> {
  const target = record.route[record.step]!;
  const hasNext = record.step + 1 < record.route.length;
  const error = expired || !hasNext
    ? new GatewayError('deadline_exceeded', 'The job did not complete before its deadline.')
    : new GatewayError('rate_limited', `Skipped '${target.deployment}': its rate-limit wait would break the deadline.`);
  const attempts = [...record.attempts, { step: record.step, deployment: target.deployment, model: target.model, status: 'failed' as const, error: error.toData(), latency_ms: 0 }];
  if (expired || !hasNext) return failJob(deps, record, attempts, error);
  await moveTo(deps, record, record.step + 1, attempts, 0);
}

/** The target is paused by its vendor for longer than a retry would wait: go to the next target, or wait on the last. */
async function skipPausedTarget(deps: DispatchDeps, record: JobRecord, waitMs: number): Promise<void> {
  const target = record.route[record.step]!;
  if (record.step + 1 >= record.route.length) return moveTo(deps, record, record.step, record.attempts, waitMs);
  const error = new GatewayError('rate_limited', `Skipped '${target.deployment}': its vendor asked for a ${Math.ceil(waitMs / 1000)} s pause.`);
  const skipped: AttemptRecord = { step: record.step, deployment: target.deployment, model: target.model, status: 'failed', error: error.toData(), latency_ms: 0 };
  deps.metrics.failovers.inc({ from: target.deployment, to: record.route[record.step + 1]!.deployment });
  await moveTo(deps, record, record.step + 1, [...record.attempts, skipped], 0);
}

/** The target's circuit is open: go to the next target at once, or, on the last one, wait for a probe. */
async function skipOpenCircuit(deps: DispatchDeps, record: JobRecord, waitMs: number): Promise<void> {
  const target = record.route[record.step]!;
  if (record.step + 1 >= record.route.length) return moveTo(deps, record, record.step, record.attempts, waitMs);
  const error = new GatewayError('unavailable', `Deployment '${target.deployment}' is failing (circuit open); skipped without a call.`);
  const skipped: AttemptRecord = { step: record.step, deployment: target.deployment, model: target.model, status: 'failed', error: error.toData(), latency_ms: 0 };
  await moveTo(deps, record, record.step + 1, [...record.attempts, skipped], 0);
}

/** The worker pool's logger: one line per vendor attempt, with the job's and its HTTP request's ids (never prompt text). */
interface AttemptLog {
  logger?: Logger;
}

function countAttempt(deps: DispatchDeps & AttemptLog, record: JobRecord, attempt: AttemptRecord): void {
  deps.logger?.info({ jobId: record.id, requestId: record.requestId, deployment: attempt.deployment, model: attempt.model, status: attempt.status, code: attempt.error?.code, latencyMs: attempt.latency_ms }, 'vendor attempt ended');
  deps.metrics.attempts.inc({ deployment: attempt.deployment, outcome: attempt.error?.code ?? attempt.status });
  deps.metrics.vendorLatency.observe({ deployment: attempt.deployment }, attempt.latency_ms / 1000);
}

function attemptBase(record: JobRecord, startedMs: number): Pick<AttemptRecord, 'step' | 'deployment' | 'model' | 'latency_ms'> {
  const target = record.route[record.step]!;
  return { step: record.step, deployment: target.deployment, model: target.model, latency_ms: Math.round(performance.now() - startedMs) };
}

function failedAttempt(record: JobRecord, startedMs: number, error: GatewayError, usage?: AttemptRecord['usage']): AttemptRecord {
  return { ...attemptBase(record, startedMs), status: error.code === 'cancelled' ? 'cancelled' : 'failed', error: error.toData(), usage: usage ?? null };
}
