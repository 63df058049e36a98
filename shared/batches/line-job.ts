import type { ChatRequest } from '../canonical/chat-request.js';
import type { ChatCompletion } from '../canonical/chat-response.js';
import type { RouteTarget, SwitchyardConfig } from '../config/config-schema.js';
import type { CacheWrite, JobAdmission, JobRecord } from '../jobs/job-record.js';
import type { JobStore } from '../jobs/job-store.js';
import type { LlmQueues } from '../queues/llm-queues.js';
import { estimateRequestTokens } from '../rate-limit/index.js';

/**
 * The job of one batch line: `job_b<batch hex>_<line number>`. Deterministic, so a replayed runner
 * finds the job it already wrote, and a job event names its batch and line without a lookup.
 */
export function lineJobId(batchId: string, line: number): string {
  return `job_b${batchId.slice('batch_'.length)}_${line}`;
}

const LINE_JOB_ID = /^job_b([0-9a-f]{24})_([1-9][0-9]*)$/;

/** The batch and line of a line job id; null for any other job. */
export function parseLineJobId(jobId: string): { batchId: string; line: number } | null {
  const match = LINE_JOB_ID.exec(jobId);
  return match ? { batchId: `batch_${match[1]}`, line: Number(match[2]) } : null;
}

export interface LineJobInput {
  batchId: string;
  line: number;
  customId: string;
  request: ChatRequest;
  route: RouteTarget[];
  team: string;
  keyId: string;
  cache: CacheWrite;
  /** What LineAdmission reserved for the line against its key and team ({} when they have no limits). */
  admission: JobAdmission;
}

/**
 * A line's job record: owned by the batch's team and key, at `batch` priority, async, no webhook
 * of its own (the batch has one). Metadata carries `batch_id` and `custom_id`, so the collector can
 * write the output line from the job alone. `admission` carries the key/team reservations, which the
 * worker settles when the job ends, exactly as for a job submitted through the API.
 */
export function lineJobRecord(input: LineJobInput, nowSeconds = Math.floor(Date.now() / 1000)): JobRecord {
  return {
    v: 1,
    id: lineJobId(input.batchId, input.line),
    team: input.team,
    keyId: input.keyId,
    model: input.request.model,
    priority: 'batch',
    status: 'queued',
    createdAt: nowSeconds,
    startedAt: null,
    completedAt: null,
    request: input.request,
    route: input.route,
    step: 0,
    seq: 1,
    attempts: [],
    result: null,
    error: null,
    metadata: { batch_id: input.batchId, custom_id: input.customId },
    webhook: null,
    mode: 'async',
    replyTo: '',
    streamed: false,
    deadlineAt: 0,
    cache: input.cache,
    admission: input.admission,
  };
}

/**
 * Submits a line as a job exactly as JobSubmitter.submit does (record and attempt 1 on the same
 * connection, so no worker takes the attempt before its record exists), from shared code the
 * batch runner in workers/ may use. The record is not awaited before the enqueue: Redis keeps order.
 */
export async function submitLineJob(
  deps: { config: Pick<SwitchyardConfig, 'deployments'>; store: JobStore; queues: LlmQueues },
  record: JobRecord,
): Promise<void> {
  await Promise.all([deps.store.create(record), enqueueAttempt(deps, record)]);
}

/** Adds the record's current attempt to its deployment's queue; adding one that exists is a no-op. */
export async function enqueueAttempt(deps: { config: Pick<SwitchyardConfig, 'deployments'>; queues: LlmQueues }, record: JobRecord): Promise<void> {
  const target = record.route[record.step]!;
  const allowance = deps.config.deployments[target.deployment]?.defaultMaxTokens ?? 4096;
  await deps.queues.add(target.deployment, {
    v: 1,
    jobId: record.id,
    seq: record.seq,
    team: record.team,
    model: record.model,
    priority: record.priority,
    deadlineAt: record.deadlineAt,
    tokens: estimateRequestTokens(record.request, allowance),
    hasNext: record.step + 1 < record.route.length,
  });
}

/** A line answered from the response cache: its job is born succeeded, as JobSubmitter.submitAnswered does. */
export async function recordAnsweredLine(store: JobStore, record: JobRecord, cached: Record<string, unknown>): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await store.createFinished({
    ...record,
    status: 'succeeded',
    startedAt: now,
    completedAt: now,
    result: { ...(cached as unknown as ChatCompletion), id: `chatcmpl-${record.id}`, created: now },
  });
}
