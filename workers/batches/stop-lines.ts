import type { BatchRecord, EndReason } from '../../shared/batches/batch-record.js';
import { jsonlLines } from '../../shared/batches/jsonl-lines.js';
import { lineJobId } from '../../shared/batches/line-job.js';
import { notRunLine } from '../../shared/batches/output-line.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';
import { collectLine } from './line-collector.js';

/** Lines handled at once while stopping: bounds concurrent Redis work and the size of one script call. */
const CHUNK_LINES = 200;

const STOP_MESSAGES: Readonly<Record<EndReason, string>> = {
  cancelled: 'The batch was cancelled before this request ran.',
  expired: 'The batch expired before this request ran.',
};

/**
 * A batch that must stop (cancelled, or past its completion window): every in-flight line still
 * waiting in its queue is taken off the queue and cancelled, with JobCancellation's semantics
 * for queued jobs (record first, then the queued attempt). Lines already running are left to
 * finish and are collected as usual, so no paid-for answer is thrown away. Removal comes first:
 * a job BullMQ refuses to remove is running (or between attempts) and is left alone.
 */
export async function stopQueuedLines(deps: BatchWorkerDeps, batch: BatchRecord, reason: EndReason): Promise<void> {
  const lines = await deps.batchStore.pendingLines(batch.id);
  for (let i = 0; i < lines.length; i += CHUNK_LINES) {
    await Promise.all(lines.slice(i, i + CHUNK_LINES).map((line) => stopLine(deps, batch, line, reason)));
  }
}

async function stopLine(deps: BatchWorkerDeps, batch: BatchRecord, line: number, reason: EndReason): Promise<void> {
  const record = await deps.jobs.get(lineJobId(batch.id, line));
  if (!record) return;
  if (record.status === 'queued') {
    const target = record.route[record.step]!;
    if (!(await deps.queues.remove(target.deployment, record))) return;
    const { outcome } = await deps.jobs.cancel(record.id, { code: 'cancelled', message: STOP_MESSAGES[reason] });
    // It never ran: what its admission reserved against the key and team goes back (idempotent).
    if (outcome === 'cancelled') await deps.admission.release(record.admission);
  }
  // Also collects lines that ended while no event listener ran.
  await collectLine(deps, batch.id, line);
}

/**
 * Writes a `batch_cancelled` / `batch_expired` error line for every input line never submitted,
 * reading the rest of the input file from the cursor, so each request of the file ends up in
 * exactly one of the two output files.
 */
export async function skipUnsubmitted(deps: BatchWorkerDeps, batch: BatchRecord, reason: EndReason): Promise<void> {
  if (batch.submitted >= batch.total) return;
  const file = await deps.files.get(batch.inputFileId);
  if (!file) throw new Error(`Input file ${batch.inputFileId} of ${batch.id} is gone`);
  const stream = await deps.files.open(file, batch.cursorByte);
  let cursor = { line: batch.cursorLine, byte: batch.cursorByte };
  let next = cursor;
  let chunk: Array<{ line: number; text: string }> = [];
  const flush = async (): Promise<void> => {
    if (!(await deps.batchStore.skipLines(batch.id, cursor.line, next, chunk))) throw new Error(`Cursor of ${batch.id} moved under its tick`);
    cursor = next;
    chunk = [];
  };
  try {
    for await (const line of jsonlLines(stream, deps.batches.maxLineBytes, cursor)) {
      next = { line: line.number + 1, byte: line.end };
      if (line.text !== null && line.text.trim() === '') continue;
      chunk.push({ line: line.number, text: notRunLine(batch.id, line.number, customIdOf(line.text), reason) });
      if (chunk.length >= CHUNK_LINES) await flush();
    }
    if (chunk.length > 0) await flush();
  } finally {
    stream.destroy();
  }
}

function customIdOf(text: string | null): string {
  if (text === null) return '';
  try {
    const value = (JSON.parse(text) as { custom_id?: unknown }).custom_id;
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}
