import { isBatchError, parseBatchLine, type BatchLine } from '../../shared/batches/batch-line.js';
import type { BatchRecord } from '../../shared/batches/batch-record.js';
import { jsonlLines } from '../../shared/batches/jsonl-lines.js';
import { enqueueAttempt, lineJobId, lineJobRecord, recordAnsweredLine, submitLineJob } from '../../shared/batches/line-job.js';
import { failedLine } from '../../shared/batches/output-line.js';
import type { OwnerLimits } from '../../shared/usage/owner-limits.js';
import type { CacheWrite, JobRecord } from '../../shared/jobs/job-record.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';
import { collectLine } from './line-collector.js';
import { pipelinePerKey } from '../../shared/redis/pipeline-per-key.js';

/** Lines submitted per round of writes (and per cursor advance). */
const CHUNK_LINES = 100;

type Problem = { code: string; message: string; param: string | null };
type Pending = { line: number; start: number; parsed: BatchLine | null; customId: string; problem: Problem | null };

/** What one line of a chunk becomes once its fate is decided, in line order. */
type Plan =
  | { kind: 'fail'; item: Pending; problem: Problem }
  | { kind: 'resume'; item: Pending; status: string; seq: string | null }
  | { kind: 'answer'; item: Pending; record: JobRecord; hit: Record<string, unknown> }
  | { kind: 'run'; item: Pending; record: JobRecord };

/**
 * Submits the batch's next input lines as jobs, up to `inFlightLines` in flight, reading the input
 * file from the cursor (never the whole file). Each chunk admits its lines against the batch's key
 * and team (LineAdmission), marks them pending, writes their jobs, then advances the cursor; a tick
 * replayed after a crash re-reads from the old cursor and skips lines whose job already exists
 * (re-adding a never-started attempt 1, which is idempotent) without admitting them again.
 *
 * A line over its key's or team's rate limit (or waiting for in-flight budget holds) stops the
 * chunk there: the cursor stops before it and the line is tried again on a later tick.
 * @returns ms to wait before that retry, or null when no line is waiting on a limit.
 */
export async function submitNextLines(deps: BatchWorkerDeps, batch: BatchRecord): Promise<number | null> {
  if (batch.submitted >= batch.total) return null;
  let room = deps.batches.inFlightLines - (await deps.batchStore.pendingCount(batch.id));
  if (room <= 0) return null;
  const file = await deps.files.get(batch.inputFileId);
  if (!file) throw new Error(`Input file ${batch.inputFileId} of ${batch.id} is gone`);
  const limits = await deps.admission.limitsFor(batch);
  const stream = await deps.files.open(file, batch.cursorByte);
  let cursor = { line: batch.cursorLine, byte: batch.cursorByte };
  let chunk: Pending[] = [];
  let next = cursor;
  let waitMs: number | null = null;
  const flush = async (): Promise<void> => {
    let taken = chunk.length;
    if (chunk.length > 0) ({ taken, waitMs } = await submitChunk(deps, batch, limits, chunk));
    // A line left waiting: the cursor stops at its start, so the next tick begins with it.
    const to = taken < chunk.length ? { line: chunk[taken]!.line, byte: chunk[taken]!.start } : next;
    if (to.line !== cursor.line && !(await deps.batchStore.advanceCursor(batch.id, cursor.line, to, taken))) throw new Error(`Cursor of ${batch.id} moved under its tick`);
    room -= taken;
    cursor = to;
    chunk = [];
  };
  try {
    for await (const line of jsonlLines(stream, deps.batches.maxLineBytes, cursor)) {
      next = { line: line.number + 1, byte: line.end };
      if (line.text !== null && line.text.trim() === '') continue;
      chunk.push(parseForSubmit(deps, batch, line.number, line.start, line.text));
      if (chunk.length >= Math.min(room, CHUNK_LINES)) await flush();
      if (room <= 0 || waitMs !== null) break;
    }
    if (waitMs === null && (chunk.length > 0 || next.line !== cursor.line)) await flush();
  } finally {
    stream.destroy();
  }
  return waitMs;
}

/** Re-checks a line (the config may have changed since validation): a line no longer valid fails alone. */
function parseForSubmit(deps: BatchWorkerDeps, batch: BatchRecord, line: number, start: number, text: string | null): Pending {
  if (text === null) return { line, start, parsed: null, customId: '', problem: { code: 'line_too_large', message: 'The line is too long.', param: null } };
  const parsed = parseBatchLine(text, line, batch.endpoint, deps.config);
  if (!isBatchError(parsed)) return { line, start, parsed, customId: parsed.customId, problem: null };
  const customId = customIdOf(text);
  return { line, start, parsed: null, customId, problem: { code: parsed.code, message: parsed.message, param: parsed.param } };
}

/**
 * Decides and writes the lines of one chunk, in line order, up to the first that must wait on a
 * limit. @returns how many lines (from the chunk's start) were taken, and the wait, if one stopped it.
 */
async function submitChunk(deps: BatchWorkerDeps, batch: BatchRecord, limits: OwnerLimits, chunk: Pending[]): Promise<{ taken: number; waitMs: number | null }> {
  // Each line's job has its own slot: per key on a cluster.
  const jobKeys = chunk.map((item) => deps.keys.job(lineJobId(batch.id, item.line)));
  const existing = (await pipelinePerKey(deps.redis, jobKeys, (pipeline, key) => pipeline.hmget(key, 'status', 'seq'))).map(([, fields]) => fields as [string | null, string | null]);
  const fresh = (i: number): boolean => (existing[i]?.[0] ?? null) === null;
  const cache: CacheWrite = { store: deps.cache !== null };
  // Cache lookups run together; only the admissions below must go one by one, in line order.
  const hits = await Promise.all(chunk.map((item, i) => (item.parsed && !item.problem && fresh(i) ? lookupCache(deps, batch, item.parsed) : null)));
  const plans: Plan[] = [];
  let waitMs: number | null = null;
  for (const [i, item] of chunk.entries()) {
    if (item.problem || !item.parsed) {
      plans.push({ kind: 'fail', item, problem: item.problem ?? { code: 'invalid_request', message: 'Invalid line.', param: null } });
      continue;
    }
    const input = { batchId: batch.id, line: item.line, customId: item.parsed.customId, request: item.parsed.request, route: item.parsed.route, team: batch.team, keyId: batch.keyId, cache };
    const [status, seq] = existing[i] ?? [null, null];
    if (status !== null) {
      // Written by a tick that crashed before advancing the cursor: finish what it began, without
      // admitting it again (its admission is on the stored record).
      plans.push({ kind: 'resume', item, status, seq });
      continue;
    }
    const hit = hits[i];
    if (hit) {
      // Answered from the cache: no vendor call, so nothing to admit (as in the API).
      plans.push({ kind: 'answer', item, record: lineJobRecord({ ...input, admission: {} }), hit });
      continue;
    }
    const decision = await deps.admission.admit(limits, item.parsed.request, item.parsed.route);
    if (decision.kind === 'wait') {
      waitMs = decision.retryAfterMs;
      break;
    }
    if (decision.kind === 'refused') plans.push({ kind: 'fail', item, problem: { code: decision.code, message: decision.message, param: null } });
    else plans.push({ kind: 'run', item, record: lineJobRecord({ ...input, admission: decision.admission }) });
  }
  // Pending before the job exists: a job that ends at once is then always collected.
  await deps.batchStore.addPending(batch.id, plans.map((plan) => plan.item.line));
  const answered: number[] = [];
  await Promise.all(
    plans.map(async (plan) => {
      const { item } = plan;
      switch (plan.kind) {
        case 'fail': {
          const text = failedLine(batch.id, item.line, item.customId, plan.problem);
          await deps.batchStore.collect(batch.id, item.line, 'err', text, { input: 0, output: 0, cached: 0, reasoning: 0 });
          return;
        }
        case 'resume': {
          const stored = plan.status === 'queued' && plan.seq === '1' ? await deps.jobs.get(lineJobId(batch.id, item.line)) : null;
          if (stored) await enqueueAttempt(deps, stored);
          return;
        }
        case 'answer': {
          await recordAnsweredLine(deps.jobs, plan.record, plan.hit);
          // Keyed by the line's job, so a replayed tick records the hit once.
          const event = { eventId: `cache:${plan.record.id}`, team: batch.team, keyId: batch.keyId, model: plan.record.model, response: plan.hit };
          await deps.accountant?.recordCacheHit(event).catch((err: unknown) => deps.logger.warn({ err: { message: (err as Error).message } }, 'recording a batch cache hit failed'));
          answered.push(item.line);
          return;
        }
        case 'run':
          await submitLineJob({ config: deps.config, store: deps.jobs, queues: deps.queues }, plan.record);
      }
    }),
  );
  for (const line of answered) await collectLine(deps, batch.id, line);
  return { taken: plans.length, waitMs };
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
