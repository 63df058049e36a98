import { OUTPUT_KINDS, type OutputKind } from '../../shared/batches/batch-keys.js';
import type { BatchRecord } from '../../shared/batches/batch-record.js';
import { lineJobId } from '../../shared/batches/line-job.js';
import { inputLineOf } from '../../shared/batches/output-line.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';
import { pipelinePerKey } from '../../shared/redis/pipeline-per-key.js';

/** Lines read from Redis per round trip while a segment is written. */
const PAGE_LINES = 200;

/**
 * Writes the finished lines buffered in Redis to storage as the next segments (parts of about
 * `flushBytes` each) of the batch's output and error files, and drops them from the buffer. Lines
 * stream from Redis to storage a page at a time. Only the batch's tick calls this, so there is one
 * writer per batch; collectors only append behind it. A tick replayed after a crash rewrites the
 * uncommitted part number with the same first lines, and COMMIT_SEGMENT never counts a part twice.
 * (Two ticks of one batch only overlap if one lost its BullMQ lock while still alive.)
 *
 * Once a segment is committed, the job records of its lines (prompt and answer) are cut to
 * `lineRecordTtlSeconds` (see retireLineRecords).
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
  const inputLines: number[] = [];
  // A segment ends once it holds `flushBytes`, so a backlog is written as several bounded objects.
  const limit = deps.batches.flushBytes;
  async function* pages(): AsyncIterable<string> {
    let page = first;
    for (;;) {
      for (const line of page) {
        if (bytes >= limit) return;
        lines += 1;
        bytes += Buffer.byteLength(line) + 1;
        const input = inputLineOf(line);
        if (input !== null) inputLines.push(input);
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
  if (!(await deps.batchStore.commitSegment(batch.id, kind, part, lines, bytes))) return 'stale';
  await retireLineRecords(deps, batch, inputLines);
  return 'written';
}

/**
 * The lines' answers are durable in storage now, so their job records need not stay in Redis for
 * `jobs.resultTtlSeconds`: each expires after `lineRecordTtlSeconds` (0: deleted now). Only lines
 * before the batch's input cursor: a line at or past it belongs to a chunk whose tick crashed before
 * moving the cursor, and the replayed tick tells "already submitted" from "new" by its record, so
 * that record keeps its full TTL.
 */
async function retireLineRecords(deps: BatchWorkerDeps, batch: BatchRecord, inputLines: readonly number[]): Promise<void> {
  const done = inputLines.filter((line) => line < batch.cursorLine);
  if (done.length === 0) return;
  const ttl = deps.batches.lineRecordTtlSeconds;
  // Each line's job has its own slot: per key on a cluster.
  const jobKeys = done.map((line) => deps.keys.job(lineJobId(batch.id, line)));
  await pipelinePerKey(deps.redis, jobKeys, (pipeline, key) => (ttl === 0 ? pipeline.unlink(key) : pipeline.expire(key, ttl)));
}
