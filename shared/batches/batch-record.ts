/** OpenAI's batch statuses. */
export const BATCH_STATUSES = ['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const ENDED_BATCH_STATUSES: readonly BatchStatus[] = ['failed', 'completed', 'expired', 'cancelled'];

/** Why a running batch stops early: a client's cancel, or its completion window running out. */
export const END_REASONS = ['cancelled', 'expired'] as const;
export type EndReason = (typeof END_REASONS)[number];

/** Timestamps of the status machine, each set once when its status is entered. */
export const BATCH_TIMESTAMPS = ['in_progress_at', 'expires_at', 'finalizing_at', 'completed_at', 'failed_at', 'expired_at', 'cancelling_at', 'cancelled_at'] as const;
export type BatchTimestamp = (typeof BATCH_TIMESTAMPS)[number];

/** One problem found in an input file; `line` is 1-based, null for file-wide problems. */
export interface BatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

/** Per produced file (output or error): segments written to storage and lines buffered in Redis. */
export interface SegmentState {
  parts: number;
  bytes: number;
  /** Bytes of finished lines waiting in Redis for the next segment. */
  bufferedBytes: number;
}

/**
 * A batch: one Redis hash (`BatchKeys.batch`). Field contract (strings in Redis; JSON where noted):
 *   v                       record version ("1")
 *   id team key_id status endpoint input_file_id completion_window
 *   window_seconds          completion window in seconds
 *   created_at, and each of BATCH_TIMESTAMPS   unix seconds ("" when unset)
 *   total completed failed  request counts (total is set when validation passes)
 *   errors                  JSON BatchError[] ("" unless validation failed)
 *   metadata                JSON Record<string,string> ("" for none)
 *   webhook                 JSON {url} ("" for none)
 *   output_file_id error_file_id   file ids reserved at creation; shown once the batch ends and the file has lines
 *   cursor_line cursor_byte 1-based line number and byte offset of the next input line not yet submitted
 *   submitted               request lines submitted (or written out unsubmitted) so far
 *   end_reason              "" | "cancelled" | "expired": set when the batch must stop early
 *   tick                    number of the newest runner tick (older ticks exit at once)
 *   swept_at                epoch ms of the last full status sweep of in-flight lines
 *   usage_input usage_output usage_cached usage_reasoning   token sums of finished lines
 *   out_parts out_bytes out_buffered, err_parts err_bytes err_buffered   SegmentState per produced file
 */
export interface BatchRecord {
  v: 1;
  id: string;
  team: string;
  keyId: string;
  status: BatchStatus;
  endpoint: string;
  inputFileId: string;
  completionWindow: string;
  windowSeconds: number;
  createdAt: number;
  times: Record<BatchTimestamp, number | null>;
  total: number;
  completed: number;
  failed: number;
  errors: BatchError[] | null;
  metadata: Record<string, string> | null;
  webhook: { url: string } | null;
  outputFileId: string;
  errorFileId: string;
  cursorLine: number;
  cursorByte: number;
  submitted: number;
  endReason: EndReason | null;
  tick: number;
  sweptAt: number;
  usage: { input: number; output: number; cached: number; reasoning: number };
  out: SegmentState;
  err: SegmentState;
}

export function isEnded(status: BatchStatus): boolean {
  return ENDED_BATCH_STATUSES.includes(status);
}

/** The fields of a new batch's hash (counters start at zero, so scripts can HINCRBY them). */
export function newBatchHash(input: {
  id: string;
  team: string;
  keyId: string;
  endpoint: string;
  inputFileId: string;
  completionWindow: string;
  windowSeconds: number;
  createdAt: number;
  metadata: Record<string, string> | null;
  webhook: { url: string } | null;
  outputFileId: string;
  errorFileId: string;
}): Record<string, string> {
  const hash: Record<string, string> = {
    v: '1',
    id: input.id,
    team: input.team,
    key_id: input.keyId,
    status: 'validating',
    endpoint: input.endpoint,
    input_file_id: input.inputFileId,
    completion_window: input.completionWindow,
    window_seconds: String(input.windowSeconds),
    created_at: String(input.createdAt),
    errors: '',
    metadata: input.metadata ? JSON.stringify(input.metadata) : '',
    webhook: input.webhook ? JSON.stringify(input.webhook) : '',
    output_file_id: input.outputFileId,
    error_file_id: input.errorFileId,
    cursor_line: '1',
    cursor_byte: '0',
    end_reason: '',
  };
  for (const field of BATCH_TIMESTAMPS) hash[field] = '';
  for (const field of COUNTERS) hash[field] = '0';
  return hash;
}

const COUNTERS = [
  'total', 'completed', 'failed', 'submitted', 'tick', 'swept_at',
  'usage_input', 'usage_output', 'usage_cached', 'usage_reasoning',
  'out_parts', 'out_bytes', 'out_buffered', 'err_parts', 'err_bytes', 'err_buffered',
] as const;

/** Parses a batch hash; null for a missing record. Throws on a record version this code does not know. */
export function batchFromHash(hash: Record<string, string>): BatchRecord | null {
  if (!hash.id) return null;
  if (hash.v !== '1') throw new Error(`Batch record version ${hash.v} is not supported by this release`);
  const n = (field: string): number => Number(hash[field] ?? 0);
  const times = {} as Record<BatchTimestamp, number | null>;
  for (const field of BATCH_TIMESTAMPS) times[field] = hash[field] ? Number(hash[field]) : null;
  const json = <T>(s: string | undefined): T | null => (s ? (JSON.parse(s) as T) : null);
  return {
    v: 1,
    id: hash.id,
    team: hash.team ?? '',
    keyId: hash.key_id ?? '',
    status: hash.status as BatchStatus,
    endpoint: hash.endpoint ?? '',
    inputFileId: hash.input_file_id ?? '',
    completionWindow: hash.completion_window ?? '',
    windowSeconds: n('window_seconds'),
    createdAt: n('created_at'),
    times,
    total: n('total'),
    completed: n('completed'),
    failed: n('failed'),
    errors: json<BatchError[]>(hash.errors),
    metadata: json<Record<string, string>>(hash.metadata),
    webhook: json<{ url: string }>(hash.webhook),
    outputFileId: hash.output_file_id ?? '',
    errorFileId: hash.error_file_id ?? '',
    cursorLine: n('cursor_line') || 1,
    cursorByte: n('cursor_byte'),
    submitted: n('submitted'),
    endReason: hash.end_reason === 'cancelled' || hash.end_reason === 'expired' ? hash.end_reason : null,
    tick: n('tick'),
    sweptAt: n('swept_at'),
    usage: { input: n('usage_input'), output: n('usage_output'), cached: n('usage_cached'), reasoning: n('usage_reasoning') },
    out: { parts: n('out_parts'), bytes: n('out_bytes'), bufferedBytes: n('out_buffered') },
    err: { parts: n('err_parts'), bytes: n('err_bytes'), bufferedBytes: n('err_buffered') },
  };
}
