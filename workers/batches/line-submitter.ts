import { isBatchError, parseBatchLine, type BatchLine } from '../../shared/batches/batch-line.js';
import type { BatchRecord } from '../../shared/batches/batch-record.js';
import { jsonlLines } from '../../shared/batches/jsonl-lines.js';
import { enqueueAttempt, lineJobId, lineJobRecord, recordAnsweredLine, submitLineJob } from '../../shared/batches/line-job.js';
import { failedLine } from '../../shared/batches/output-line.js';
import type { CacheWrite } from '../../shared/jobs/job-record.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';
import { collectLine } from './line-collector.js';

/** Lines submitted per round of writes (and per cursor advance). */
const CHUNK_LINES = 100;

type Pending = { line: number; parsed: BatchLine | null; customId: string; problem: { code: string; message: string; param: string | null } | null };

/**
 * Submits the batch's next input lines as jobs, up to `inFlightLines` in flight, reading the input
 * file from the cursor (never the whole file). Each chunk marks its lines pending, writes their
 * jobs, then advances the cursor; a tick replayed after a crash re-reads from the old cursor and
 * skips lines whose job already exists (re-adding a never-started attempt 1, which is idempotent).
 */
export async function submitNextLines(deps: BatchWorkerDeps, batch: BatchRecord): Promise<void> {
  if (batch.submitted >= batch.total) return;
  let room = deps.batches.inFlightLines - (await deps.batchStore.pendingCount(batch.id));
  if (room <= 0) return;
  const file = await deps.files.get(batch.inputFileId);
  if (!file) throw new Error(`Input file ${batch.inputFileId} of ${batch.id} is gone`);
  const stream = await deps.files.open(file, batch.cursorByte);
  let cursor = { line: batch.cursorLine, byte: batch.cursorByte };
  let chunk: Pending[] = [];
  let next = cursor;
  const flush = async (): Promise<void> => {
    if (chunk.length > 0) await submitChunk(deps, batch, chunk);
    if (!(await deps.batchStore.advanceCursor(batch.id, cursor.line, next, chunk.length))) throw new Error(`Cursor of ${batch.id} moved under its tick`);
    room -= chunk.length;
    cursor = next;
    chunk = [];
  };
  try {
    for await (const line of jsonlLines(stream, deps.batches.maxLineBytes, cursor)) {
      next = { line: line.number + 1, byte: line.end };
      if (line.text !== null && line.text.trim() === '') continue;
      chunk.push(parseForSubmit(deps, batch, line.number, line.text));
      if (chunk.length >= Math.min(room, CHUNK_LINES)) await flush();
      if (room <= 0) break;
    }
    if (chunk.length > 0 || next.line !== cursor.line) await flush();
  } finally {
    stream.destroy();
  }
}

/** Re-checks a line (the config may have changed since validation): a line no longer valid fails alone. */
function parseForSubmit(deps: BatchWorkerDeps, batch: BatchRecord, line: number, text: string | null): Pending {
  if (text === null) return { line, parsed: null, customId: '', problem: { code: 'line_too_large', message: 'The line is too long.', param: null } };
  const parsed = parseBatchLine(text, line, batch.endpoint, deps.config);
  if (!isBatchError(parsed)) return { line, parsed, customId: parsed.customId, problem: null };
  const customId = customIdOf(text);
  return { line, parsed: null, customId, problem: { code: parsed.code, message: parsed.message, param: parsed.param } };
}

async function submitChunk(deps: BatchWorkerDeps, batch: BatchRecord, chunk: Pending[]): Promise<void> {
  const pipeline = deps.redis.pipeline();
  for (const item of chunk) pipeline.hmget(deps.keys.job(lineJobId(batch.id, item.line)), 'status', 'seq');
  const existing = ((await pipeline.exec()) ?? []).map(([, fields]) => fields as [string | null, string | null]);
  // Pending before the job exists: a job that ends at once is then always collected.
  await deps.batchStore.addPending(batch.id, chunk.map((item) => item.line));
  const cache: CacheWrite = { store: deps.cache !== null };
  const answered: number[] = [];
  await Promise.all(
    chunk.map(async (item, i) => {
      const [status, seq] = existing[i] ?? [null, null];
      if (item.problem || !item.parsed) {
        const text = failedLine(batch.id, item.line, item.customId, item.problem ?? { code: 'invalid_request', message: 'Invalid line.', param: null });
        await deps.batchStore.collect(batch.id, item.line, 'err', text, { input: 0, output: 0, cached: 0, reasoning: 0 });
        return;
      }
      const record = lineJobRecord({ batchId: batch.id, line: item.line, customId: item.parsed.customId, request: item.parsed.request, route: item.parsed.route, team: batch.team, keyId: batch.keyId, cache });
      if (status !== null) {
        // Written by a tick that crashed before advancing the cursor: finish what it began.
        const stored = status === 'queued' && seq === '1' ? await deps.jobs.get(record.id) : null;
        if (stored) await enqueueAttempt(deps, stored);
        return;
      }
      const hit = await lookupCache(deps, batch, item.parsed);
      if (hit) {
        await recordAnsweredLine(deps.jobs, record, hit);
        // Keyed by the line's job, so a replayed tick records the hit once.
        const event = { eventId: `cache:${record.id}`, team: batch.team, keyId: batch.keyId, model: record.model, response: hit };
        await deps.accountant?.recordCacheHit(event).catch((err: unknown) => deps.logger.warn({ err: { message: (err as Error).message } }, 'recording a batch cache hit failed'));
        answered.push(item.line);
      } else {
        await submitLineJob({ config: deps.config, store: deps.jobs, queues: deps.queues }, record);
      }
    }),
  );
  for (const line of answered) await collectLine(deps, batch.id, line);
}

async function lookupCache(deps: BatchWorkerDeps, batch: BatchRecord, line: BatchLine): Promise<Record<string, unknown> | null> {
  if (!deps.cache) return null;
  try {
    const result = await deps.cache.lookup(line.request, { team: batch.team, modelAlias: line.request.model });
    return result.response ?? null;
  } catch (err) {
    // The cache only ever saves work: a failing lookup means the line runs.
    deps.logger.warn({ err: { message: (err as Error).message }, batch: batch.id }, 'batch line cache lookup failed; running it');
    return null;
  }
}

function customIdOf(text: string): string {
  try {
    const value = (JSON.parse(text) as { custom_id?: unknown }).custom_id;
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}
