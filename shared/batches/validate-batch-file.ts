import type { SwitchyardConfig } from '../config/config-schema.js';
import type { BatchError } from './batch-record.js';
import { isBatchError, parseBatchLine } from './batch-line.js';
import { jsonlLines } from './jsonl-lines.js';

/** Validation stops collecting problems after this many: enough to fix a file, small enough to store. */
export const MAX_REPORTED_ERRORS = 100;

export interface ValidationLimits {
  maxLines: number;
  maxLineBytes: number;
  maxFileBytes: number;
  /** The creating key's allowed models (its policy); undefined when it may use any. */
  allowedModels?: readonly string[];
}

export interface ValidationResult {
  /** Request lines (blank lines are not requests). */
  total: number;
  /** Empty when the file is valid; otherwise each problem names its line. */
  errors: BatchError[];
}

/**
 * Reads an input file once, as a stream, and checks every line before anything is enqueued:
 * malformed JSON or envelope, wrong url, invalid chat request, unknown model or a request no route
 * target can take, a model the creating key may not use, duplicate `custom_id`, an over-long line, more lines than the limit, a file
 * over the size limit or without a request. Memory: one line, plus the set of custom ids.
 */
export async function validateBatchFile(
  source: AsyncIterable<Uint8Array>,
  fileBytes: number,
  endpoint: string,
  routing: Pick<SwitchyardConfig, 'models' | 'deployments'>,
  limits: ValidationLimits,
): Promise<ValidationResult> {
  if (fileBytes > limits.maxFileBytes) {
    return { total: 0, errors: [{ code: 'file_too_large', message: `The input file is ${fileBytes} bytes; the limit is ${limits.maxFileBytes}.`, param: null, line: null }] };
  }
  const errors: BatchError[] = [];
  const seen = new Map<string, number>();
  let total = 0;
  for await (const line of jsonlLines(source, limits.maxLineBytes)) {
    if (errors.length >= MAX_REPORTED_ERRORS) break;
    if (line.text !== null && line.text.trim() === '') continue;
    total += 1;
    if (total > limits.maxLines) {
      errors.push({ code: 'too_many_requests', message: `Line ${line.number}: the file has more than ${limits.maxLines} requests, the limit per batch.`, param: null, line: line.number });
      break;
    }
    if (line.text === null) {
      errors.push({ code: 'line_too_large', message: `Line ${line.number}: the line is longer than ${limits.maxLineBytes} bytes.`, param: null, line: line.number });
      continue;
    }
    const parsed = parseBatchLine(line.text, line.number, endpoint, routing);
    if (isBatchError(parsed)) {
      errors.push(parsed);
      continue;
    }
    if (limits.allowedModels && !limits.allowedModels.includes(parsed.request.model)) {
      errors.push({ code: 'permission_denied', message: `Line ${line.number}: this key may not use the model '${parsed.request.model}'.`, param: 'body.model', line: line.number });
      continue;
    }
    const first = seen.get(parsed.customId);
    if (first !== undefined) {
      errors.push({ code: 'duplicate_custom_id', message: `Line ${line.number}: custom_id '${parsed.customId}' is already used on line ${first}.`, param: 'custom_id', line: line.number });
      continue;
    }
    seen.set(parsed.customId, line.number);
  }
  if (total === 0 && errors.length === 0) errors.push({ code: 'empty_file', message: 'The input file has no requests.', param: null, line: null });
  return { total, errors };
}
