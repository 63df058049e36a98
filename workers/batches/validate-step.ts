import type { BatchError, BatchRecord } from '../../shared/batches/batch-record.js';
import { validateBatchFile } from '../../shared/batches/validate-batch-file.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';

/**
 * Validates the input file of a `validating` batch, streaming it once, against the creating key's
 * policy too (it must still be valid, and every line's model allowed to it). A good file moves the batch
 * to `in_progress` with its total and expiry (unless it was cancelled meanwhile: the transition
 * refuses). A bad one is reported back, for the caller to fail the batch: nothing is enqueued.
 * @returns the problems found, each naming its line; empty when the file is valid.
 */
export async function validateStep(deps: BatchWorkerDeps, batch: BatchRecord): Promise<BatchError[]> {
  const key = await deps.keyStore.get(batch.keyId);
  const expired = key?.policy.expires_at !== undefined && key.policy.expires_at * 1000 <= deps.now();
  if (!key || key.revokedAt !== null || !key.enabled || expired) {
    return [{ code: 'invalid_api_key', message: 'The key that created this batch has been revoked, disabled or has expired.', param: null, line: null }];
  }
  const file = await deps.files.get(batch.inputFileId);
  if (!file) return [{ code: 'file_not_found', message: `The input file ${batch.inputFileId} no longer exists.`, param: 'input_file_id', line: null }];
  const limits = { ...deps.batches, allowedModels: key.policy.models };
  const result = await validateBatchFile(await deps.files.open(file), file.bytes, batch.endpoint, deps.config, limits);
  if (result.errors.length > 0) return result.errors;
  await deps.batchStore.transition(batch.id, ['validating'], 'in_progress', 'in_progress_at', {
    total: String(result.total),
    // The window runs from creation, as OpenAI counts it.
    expires_at: String(batch.createdAt + batch.windowSeconds),
    swept_at: String(deps.now()),
  });
  return [];
}
