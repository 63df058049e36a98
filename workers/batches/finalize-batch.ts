import type { BatchWebhookType } from '../../shared/batches/batch-queues.js';
import type { BatchError, BatchRecord, BatchStatus, BatchTimestamp } from '../../shared/batches/batch-record.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';
import { writeSegments } from './segment-writer.js';

export type EndStatus = 'completed' | 'cancelled' | 'expired' | 'failed';

const ENTERED_FROM: Readonly<Record<EndStatus, BatchStatus[]>> = {
  completed: ['finalizing'],
  cancelled: ['cancelling'],
  expired: ['in_progress'],
  failed: ['validating'],
};

/**
 * Ends a batch: writes the lines still buffered, records the output and error files, releases the
 * input file, queues the webhook and sets the retention, and only then sets the final status, so
 * that a tick replayed after a crash (which exits once the status has ended) finds nothing left
 * undone. A batch that completes passes through `finalizing`; one that failed validation carries
 * its `errors`. The webhook delivery waits for the final status before it sends.
 */
export async function finalizeBatch(deps: BatchWorkerDeps, batch: BatchRecord, requested: EndStatus, errors: BatchError[] = []): Promise<void> {
  let end = requested;
  if (end === 'completed') {
    const { moved, previous } = await deps.batchStore.transition(batch.id, ['in_progress', 'finalizing'], 'finalizing', 'finalizing_at');
    // A cancel that arrived after the last line: the batch ends cancelled, with every line done.
    if (!moved && previous === 'cancelling') end = 'cancelled';
  }
  if (end !== 'failed') {
    await writeSegments(deps, batch);
    await recordOutputFiles(deps, (await deps.batchStore.get(batch.id)) ?? batch);
  }
  await deps.files.dropRef(batch.inputFileId, batch.id);
  if (batch.webhook) await deps.batchQueues.enqueueWebhook({ v: 1, batchId: batch.id, type: `batch.${end}` as BatchWebhookType, keyId: batch.keyId });
  await deps.batchStore.retire(batch.id, deps.batches.retentionSeconds);
  const fields: Record<string, string> = errors.length > 0 ? { errors: JSON.stringify(errors) } : {};
  await deps.batchStore.transition(batch.id, ENTERED_FROM[end], end, `${end}_at` as BatchTimestamp, fields);
}

async function recordOutputFiles(deps: BatchWorkerDeps, batch: BatchRecord): Promise<void> {
  const createdAt = Math.floor(deps.now() / 1000);
  const files = [
    { id: batch.outputFileId, lines: batch.completed, state: batch.out, filename: `${batch.id}_output.jsonl` },
    { id: batch.errorFileId, lines: batch.failed, state: batch.err, filename: `${batch.id}_error.jsonl` },
  ];
  for (const file of files) {
    if (file.lines === 0) continue;
    await deps.files.create({ v: 1, id: file.id, team: batch.team, filename: file.filename, purpose: 'batch_output', bytes: file.state.bytes, parts: file.state.parts, createdAt, expiresAt: null });
  }
}
