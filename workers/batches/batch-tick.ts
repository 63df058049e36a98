import type { BatchTickData } from '../../shared/batches/batch-queues.js';
import { isEnded, type BatchRecord } from '../../shared/batches/batch-record.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';
import { finalizeBatch } from './finalize-batch.js';
import { submitNextLines } from './line-submitter.js';
import { writeSegments } from './segment-writer.js';
import { skipUnsubmitted, stopQueuedLines } from './stop-lines.js';
import { sweepLines } from './sweep-lines.js';
import { validateStep } from './validate-step.js';

/** Longest wait between ticks of a batch whose ticks keep failing. */
const MAX_BACKOFF_MS = 60_000;

/**
 * One visit of the runner to one batch, then the next visit is scheduled (unless it ended). Every
 * step is driven by the batch record alone, so a replayed or duplicated tick redoes nothing twice:
 * validate → (expire) → write segments → submit more lines or stop them → sweep → finalize.
 * An error in a step is logged and the tick retried later with backoff; nothing is lost. Segments
 * are written before any line is submitted, so while file storage fails no new line is submitted
 * and the finished lines buffered in Redis stay bounded by the in-flight window.
 */
export async function runBatchTick(deps: BatchWorkerDeps, data: BatchTickData): Promise<void> {
  const batch = await deps.batchStore.get(data.batchId);
  if (!batch || data.tick < batch.tick || isEnded(batch.status)) return;
  await deps.batchStore.setFields(batch.id, { tick: String(data.tick) });
  let delayMs: number | null;
  let failures = 0;
  try {
    delayMs = await advance(deps, batch);
  } catch (err) {
    failures = data.failures + 1;
    delayMs = Math.min(MAX_BACKOFF_MS, deps.batches.tickMs * 2 ** failures);
    deps.logger.error({ err: { message: (err as Error).message }, batch: batch.id, failures }, 'batch tick failed; retrying');
  }
  if (delayMs !== null) await deps.batchQueues.scheduleTick(batch.id, data.tick + 1, delayMs, failures);
}

/** Moves the batch as far as it can go now; returns the delay before the next tick, or null once it ended. */
async function advance(deps: BatchWorkerDeps, start: BatchRecord): Promise<number | null> {
  let batch = start;
  if (batch.status === 'validating') {
    const errors = await validateStep(deps, batch);
    if (errors.length > 0) return finish(deps, batch, 'failed', errors);
    batch = await reload(deps, batch.id);
  }
  // Cancelled before validation ended: there is nothing to stop.
  if (batch.status === 'cancelling' && batch.times.in_progress_at === null) return finish(deps, batch, 'cancelled');

  const nowMs = deps.now();
  if (batch.status === 'in_progress' && !batch.endReason && batch.times.expires_at !== null && nowMs >= batch.times.expires_at * 1000) {
    await deps.batchStore.transition(batch.id, ['in_progress'], 'in_progress', null, { end_reason: 'expired' });
    batch = await reload(deps, batch.id);
  }

  // Lines collected since the last tick go to storage first; a storage error ends the tick here.
  if (batch.out.bufferedBytes > 0 || batch.err.bufferedBytes > 0) {
    await writeSegments(deps, batch);
    batch = await reload(deps, batch.id);
  }

  const stopping = batch.status === 'cancelling' ? 'cancelled' : batch.endReason;
  let waitMs: number | null = null;
  if (stopping) {
    await stopQueuedLines(deps, batch, stopping);
    await skipUnsubmitted(deps, batch, stopping);
  } else {
    waitMs = await submitNextLines(deps, batch);
  }
  if (stopping || nowMs - batch.sweptAt >= deps.batches.sweepIntervalMs) {
    await sweepLines(deps, batch);
    await deps.batchStore.setFields(batch.id, { swept_at: String(nowMs) });
  }

  batch = await reload(deps, batch.id);
  const accounted = batch.submitted >= batch.total && batch.completed + batch.failed >= batch.total && (await deps.batchStore.pendingCount(batch.id)) === 0;
  // A line waiting on its key's or team's limit: come back when it would pass (finished lines
  // still wake the batch sooner, see collectLine).
  if (!accounted) return waitMs === null ? deps.batches.tickMs : Math.min(MAX_BACKOFF_MS, Math.max(deps.batches.tickMs, waitMs));
  return finish(deps, batch, batch.status === 'cancelling' ? 'cancelled' : batch.endReason === 'expired' ? 'expired' : 'completed');
}

/** Finalizes; if the status still has not ended (a cancel raced the end), tick again soon. */
async function finish(deps: BatchWorkerDeps, batch: BatchRecord, end: Parameters<typeof finalizeBatch>[2], errors?: Parameters<typeof finalizeBatch>[3]): Promise<number | null> {
  await finalizeBatch(deps, batch, end, errors);
  const after = await deps.batchStore.get(batch.id);
  return !after || isEnded(after.status) ? null : 0;
}

async function reload(deps: BatchWorkerDeps, id: string): Promise<BatchRecord> {
  const batch = await deps.batchStore.get(id);
  if (!batch) throw new Error(`Batch ${id} disappeared`);
  return batch;
}
