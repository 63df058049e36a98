import { isEnded, type BatchError, type BatchRecord, type BatchStatus } from './batch-record.js';

/** The OpenAI batch object (`object: "batch"`), as in fixtures/openai/batch_object_*.json. */
export interface PublicBatch {
  id: string;
  object: 'batch';
  endpoint: string;
  errors: { object: 'list'; data: BatchError[] } | null;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number | null;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  usage?: {
    input_tokens: number;
    input_tokens_details: { cached_tokens: number };
    output_tokens: number;
    output_tokens_details: { reasoning_tokens: number };
    total_tokens: number;
  };
  metadata: Record<string, string> | null;
}

/**
 * The batch as clients see it. Output and error file ids appear once the batch has ended (completed,
 * cancelled or expired) and only for a file with at least one line; token usage appears with them.
 */
export function toPublicBatch(record: BatchRecord): PublicBatch {
  const ended = isEnded(record.status) && record.status !== 'failed';
  const batch: PublicBatch = {
    id: record.id,
    object: 'batch',
    endpoint: record.endpoint,
    errors: record.errors ? { object: 'list', data: record.errors } : null,
    input_file_id: record.inputFileId,
    completion_window: record.completionWindow,
    status: record.status,
    output_file_id: ended && record.completed > 0 ? record.outputFileId : null,
    error_file_id: ended && record.failed > 0 ? record.errorFileId : null,
    created_at: record.createdAt,
    ...record.times,
    request_counts: { total: record.total, completed: record.completed, failed: record.failed },
    metadata: record.metadata,
  };
  if (ended) {
    batch.usage = {
      input_tokens: record.usage.input,
      input_tokens_details: { cached_tokens: record.usage.cached },
      output_tokens: record.usage.output,
      output_tokens_details: { reasoning_tokens: record.usage.reasoning },
      total_tokens: record.usage.input + record.usage.output,
    };
  }
  return batch;
}
