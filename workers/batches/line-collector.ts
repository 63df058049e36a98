import { lineJobId } from '../../shared/batches/line-job.js';
import { outputLine } from '../../shared/batches/output-line.js';
import { END_REASONS, type EndReason } from '../../shared/batches/batch-record.js';
import { isTerminal, toPublicJob, type PublicJob } from '../../shared/jobs/job-record.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';

/**
 * Collects one finished line: writes its output or error line into the batch's buffer and counts
 * it, exactly once however often it is called (job event, sweep, stop). `job` is the public job
 * from the job event when there is one; otherwise the record is read. A line whose job has not
 * ended is left alone.
 *
 * Wakes the batch's tick early when this line drained the window to half (time to submit more),
 * filled the buffer past `flushBytes` (time to write a segment) or was the last one in flight.
 */
export async function collectLine(deps: BatchWorkerDeps, batchId: string, line: number, job?: PublicJob): Promise<void> {
  let finished = job && isTerminal(job.status) ? job : undefined;
  if (!finished) {
    const record = await deps.jobs.get(lineJobId(batchId, line));
    if (!record || !isTerminal(record.status)) return;
    finished = toPublicJob(record);
  }
  const endReason = finished.status === 'cancelled' ? asEndReason(await deps.batchStore.field(batchId, 'end_reason')) : null;
  const out = outputLine(batchId, line, finished, endReason);
  const outcome = await deps.batchStore.collect(batchId, line, out.kind, out.text, out.usage);
  if (!outcome.collected) return;
  const lineBytes = Buffer.byteLength(out.text) + 1;
  const refill = outcome.pending === Math.floor(deps.batches.inFlightLines / 2);
  const bufferFull = outcome.buffered >= deps.batches.flushBytes && outcome.buffered - lineBytes < deps.batches.flushBytes;
  if (refill || bufferFull || outcome.pending === 0) await nudgeBatch(deps, batchId);
}

/** Runs the batch's next tick now (see BatchQueues.nudge). */
export async function nudgeBatch(deps: BatchWorkerDeps, batchId: string): Promise<void> {
  const tick = Number((await deps.batchStore.field(batchId, 'tick')) ?? 0);
  await deps.batchQueues.nudge(batchId, tick);
}

function asEndReason(value: string | null): EndReason | null {
  return (END_REASONS as readonly string[]).includes(value ?? '') ? (value as EndReason) : null;
}
