import type { ChatRequest } from '../canonical/chat-request.js';
import type { ChatCompletion } from '../canonical/chat-response.js';
import type { RouteTarget } from '../config/config-schema.js';
import { GatewayError, type ErrorData, type OpenAIErrorBody } from '../errors/gateway-error.js';
import type { Reservation } from '../rate-limit/reservation.js';
import type { BudgetHold } from '../usage/budgets.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export const PRIORITIES = ['interactive', 'default', 'batch'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** One vendor call (or a skipped target) made for a job. */
export interface AttemptRecord {
  /** Index in the route of the target this attempt used. */
  step: number;
  deployment: string;
  model: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  error: ErrorData | null;
  latency_ms: number;
  usage?: ChatCompletion['usage'] | null;
  /** True when `usage` is (partly) the gateway's estimate: a stream cut before the vendor reported it. */
  usage_estimated?: boolean;
}

/**
 * The job record: the source of truth a client sees, one Redis hash per job (`RedisKeys.job`).
 * Field contract (all strings in Redis; JSON where noted):
 *   v            record version ("1"); readers reject versions they do not know
 *   id team key_id model priority status
 *   created_at started_at completed_at    unix seconds ("" when unset)
 *   request      JSON ChatRequest (canonical; each attempt re-translates it)
 *   route        JSON RouteTarget[]
 *   step         index in `route` of the target now in charge
 *   seq          number of BullMQ jobs enqueued so far; the current one is `<id>-<seq>`
 *   attempts     JSON AttemptRecord[]
 *   result       JSON chat.completion ("" until succeeded)
 *   error        JSON ErrorData ("" unless failed/cancelled)
 *   metadata     JSON Record<string,string>
 *   webhook      JSON {url} ("" when none)
 *   mode         "sync" | "async" | "stream"
 *   reply_to     pub/sub channel of the API process relaying a stream ("" unless mode is stream)
 *   streamed     "1" once a chunk has gone to the client: from then on the job can no longer fail over
 *   deadline_at  epoch ms after which the job fails with `deadline_exceeded` ("0": none)
 *   cache        JSON CacheWrite: whether and how the worker stores the answer in the response cache
 *   admission    JSON JobAdmission: the key/team rate and budget reservations the worker settles at the end
 *   request_id   the `x-request-id` of the HTTP request that created the job (absent on older records)
 */
export interface JobRecord {
  v: 1;
  id: string;
  team: string;
  keyId: string;
  model: string;
  priority: Priority;
  status: JobStatus;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  request: ChatRequest;
  route: RouteTarget[];
  step: number;
  seq: number;
  attempts: AttemptRecord[];
  result: ChatCompletion | null;
  error: ErrorData | null;
  metadata: Record<string, string>;
  webhook: { url: string } | null;
  mode: JobMode;
  replyTo: string;
  streamed: boolean;
  /** Epoch ms; 0 for none. */
  deadlineAt: number;
  cache: CacheWrite;
  admission: JobAdmission;
  /** The `x-request-id` of the submitting HTTP request, for logs and the job webhook; absent on older records. */
  requestId?: string;
}

/** What admission reserved for a job (key/team buckets, key/team budgets); settled when the job ends. */
export interface JobAdmission {
  rate?: Reservation;
  budget?: BudgetHold;
}

/** How a job's successful answer goes into the response cache (decided by the API from config and headers). */
export interface CacheWrite {
  store: boolean;
  ttlSeconds?: number;
  namespace?: string;
}

export const JOB_MODES = ['sync', 'async', 'stream'] as const;
export type JobMode = (typeof JOB_MODES)[number];

/** The job object of the HTTP API (`object: "job"`). */
export interface PublicJob {
  id: string;
  object: 'job';
  status: JobStatus;
  model: string;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  result: ChatCompletion | null;
  error: OpenAIErrorBody['error'] | null;
  attempts: Array<{ deployment: string; model: string; status: AttemptRecord['status']; error: OpenAIErrorBody['error'] | null; latency_ms: number }>;
  metadata: Record<string, string>;
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** The BullMQ job id of the n-th enqueue of a job: deterministic, so re-adding it is idempotent. */
export function bullJobId(jobId: string, seq: number): string {
  return `${jobId}-${seq}`;
}

export function toRedisHash(record: JobRecord): Record<string, string> {
  return {
    v: '1',
    id: record.id,
    team: record.team,
    key_id: record.keyId,
    model: record.model,
    priority: record.priority,
    status: record.status,
    created_at: String(record.createdAt),
    started_at: record.startedAt === null ? '' : String(record.startedAt),
    completed_at: record.completedAt === null ? '' : String(record.completedAt),
    request: JSON.stringify(record.request),
    route: JSON.stringify(record.route),
    step: String(record.step),
    seq: String(record.seq),
    attempts: JSON.stringify(record.attempts),
    result: record.result ? JSON.stringify(record.result) : '',
    error: record.error ? JSON.stringify(record.error) : '',
    metadata: JSON.stringify(record.metadata),
    webhook: record.webhook ? JSON.stringify(record.webhook) : '',
    mode: record.mode,
    reply_to: record.replyTo,
    streamed: record.streamed ? '1' : '',
    deadline_at: String(record.deadlineAt),
    cache: JSON.stringify(record.cache),
    admission: JSON.stringify(record.admission),
    ...(record.requestId ? { request_id: record.requestId } : {}),
  };
}

/** Parses a job hash; null for a missing record. Throws on a record version this code does not know. */
export function fromRedisHash(hash: Record<string, string>): JobRecord | null {
  if (!hash.id) return null;
  if (hash.v !== '1') throw new GatewayError('internal', `Job record version ${hash.v} is not supported by this release`);
  const num = (s: string | undefined): number | null => (s ? Number(s) : null);
  const json = <T>(s: string | undefined, fallback: T): T => (s ? (JSON.parse(s) as T) : fallback);
  return {
    v: 1,
    id: hash.id,
    team: hash.team ?? '',
    keyId: hash.key_id ?? '',
    model: hash.model ?? '',
    priority: (hash.priority as Priority) ?? 'default',
    status: hash.status as JobStatus,
    createdAt: Number(hash.created_at),
    startedAt: num(hash.started_at),
    completedAt: num(hash.completed_at),
    request: json(hash.request, null as unknown as ChatRequest),
    route: json(hash.route, []),
    step: Number(hash.step ?? 0),
    seq: Number(hash.seq ?? 0),
    attempts: json(hash.attempts, []),
    result: json(hash.result, null),
    error: json(hash.error, null),
    metadata: json(hash.metadata, {}),
    webhook: json(hash.webhook, null),
    mode: (JOB_MODES as readonly string[]).includes(hash.mode ?? '') ? (hash.mode as JobMode) : 'async',
    replyTo: hash.reply_to ?? '',
    streamed: hash.streamed === '1',
    deadlineAt: Number(hash.deadline_at ?? 0),
    cache: json(hash.cache, { store: false }),
    admission: json(hash.admission, {}),
    ...(hash.request_id ? { requestId: hash.request_id } : {}),
  };
}

export function toPublicJob(record: JobRecord): PublicJob {
  const errorBody = (data: ErrorData | null): OpenAIErrorBody['error'] | null => (data ? GatewayError.fromData(data).toBody().error : null);
  return {
    id: record.id,
    object: 'job',
    status: record.status,
    model: record.model,
    created_at: record.createdAt,
    started_at: record.startedAt,
    completed_at: record.completedAt,
    result: record.result,
    error: errorBody(record.error),
    attempts: record.attempts.map((a) => ({
      deployment: a.deployment,
      model: a.model,
      status: a.status,
      error: errorBody(a.error),
      latency_ms: a.latency_ms,
    })),
    metadata: record.metadata,
  };
}
