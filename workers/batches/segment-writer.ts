import { OUTPUT_KINDS, type OutputKind } from '../../shared/batches/batch-keys.js';
import type { BatchRecord } from '../../shared/batches/batch-record.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';

/** Lines read from Redis per round trip while a segment is written. */
const PAGE_LINES = 200;

/**
 * Writes the finished lines buffered in Redis to storage as the next segments (parts of about
 * `flushBytes` each) of the batch's output and error files, and drops them from the buffer. Lines
 * stream from Redis to storage a page at a time. Only the batch's tick calls this, so there is one
 * writer per batch; collectors only append behind it. A tick replayed after a crash rewrites the
 * uncommitted part number with the same first lines, and COMMIT_SEGMENT never counts a part twice.
 * (Two ticks of one batch only overlap if one lost its BullMQ lock while still alive.)
 */
export async function writeSegments(deps: BatchWorkerDeps, batch: BatchRecord): Promise<void> {
  for (const kind of OUTPUT_KINDS) {
    let part = batch[kind].parts;
    for (;;) {
      const written = await writeSegment(deps, batch, kind, part);
      if (written === 'empty') break;
      if (written === 'stale') return; // another tick moved on; it will finish the job
      part += 1;
    }
  }
}

async function writeSegment(deps: BatchWorkerDeps, batch: BatchRecord, kind: OutputKind, part: number): Promise<'empty' | 'stale' | 'written'> {
  const first = await deps.batchStore.bufferedLines(batch.id, kind, 0, PAGE_LINES);
  if (first.length === 0) return 'empty';
  let lines = 0;
  let bytes = 0;
  // A segment ends once it holds `flushBytes`, so a backlog is written as several bounded objects.
  const limit = deps.batches.flushBytes;
  async function* pages(): AsyncIterable<string> {
    let page = first;
    for (;;) {
      for (const line of page) {
        if (bytes >= limit) return;
        lines += 1;
        bytes += Buffer.byteLength(line) + 1;
        yield line;
      }
      if (page.length < PAGE_LINES || bytes >= limit) return;
      page = await deps.batchStore.bufferedLines(batch.id, kind, lines, PAGE_LINES);
      if (page.length === 0) return;
    }
  }
  const fileId = kind === 'out' ? batch.outputFileId : batch.errorFileId;
  const stored = await deps.files.writePart(fileId, part, pages());
  if (stored !== bytes) throw new Error(`Segment ${part} of ${fileId}: stored ${stored} bytes, expected ${bytes}`);
  return (await deps.batchStore.commitSegment(batch.id, kind, part, lines, bytes)) ? 'written' : 'stale';
}
