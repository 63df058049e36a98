import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GatewayError } from '../errors/gateway-error.js';
import { TeamIndex, type Page, type PageQuery } from '../files/team-index.js';
import { BatchKeys, OUTPUT_KINDS, type OutputKind } from './batch-keys.js';
import { batchFromHash, type BatchRecord, type BatchStatus, type BatchTimestamp } from './batch-record.js';
import { ADVANCE_CURSOR_SCRIPT, COLLECT_SCRIPT, COMMIT_SEGMENT_SCRIPT, SKIP_LINES_SCRIPT, TRANSITION_SCRIPT } from './batch-scripts.js';
import { pipelinePerKey } from '../redis/pipeline-per-key.js';

type Scripted = Redis & {
  syBatchTransition(key: string, ...argv: string[]): Promise<[number, string]>;
  syBatchCollect(...keysAndArgs: string[]): Promise<[number, number, number, number, number]>;
  syBatchSkipLines(...keysAndArgs: string[]): Promise<[number, number]>;
  syBatchAdvanceCursor(key: string, ...argv: string[]): Promise<number>;
  syBatchCommitSegment(...keysAndArgs: string[]): Promise<number>;
};

/** What collecting one finished line did (see COLLECT_SCRIPT). */
export interface CollectOutcome {
  collected: boolean;
  pending: number;
  buffered: number;
  finished: number;
  total: number;
}

export interface LineUsage {
  input: number;
  output: number;
  cached: number;
  reasoning: number;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Batch records and their per-batch state in Redis: the only module that writes them. */
export class BatchStore {
  private readonly redis: Scripted;
  readonly keys: BatchKeys;
  private readonly index: TeamIndex;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis as Scripted;
    if (!('syBatchTransition' in redis)) {
      redis.defineCommand('syBatchTransition', { numberOfKeys: 1, lua: TRANSITION_SCRIPT });
      redis.defineCommand('syBatchCollect', { numberOfKeys: 4, lua: COLLECT_SCRIPT });
      redis.defineCommand('syBatchSkipLines', { numberOfKeys: 3, lua: SKIP_LINES_SCRIPT });
      redis.defineCommand('syBatchAdvanceCursor', { numberOfKeys: 1, lua: ADVANCE_CURSOR_SCRIPT });
      redis.defineCommand('syBatchCommitSegment', { numberOfKeys: 2, lua: COMMIT_SEGMENT_SCRIPT });
    }
    this.keys = new BatchKeys(prefix);
    this.index = new TeamIndex(redis, (team) => this.keys.teamIndex(team), this.keys.sequence());
  }

  static newId(): string {
    return `batch_${randomBytes(12).toString('hex')}`;
  }

  async create(hash: Record<string, string>): Promise<void> {
    await this.redis.hset(this.keys.batch(hash.id!), hash);
    await this.index.add(hash.team!, hash.id!);
  }

  async get(id: string): Promise<BatchRecord | null> {
    return batchFromHash(await this.redis.hgetall(this.keys.batch(id)));
  }

  /** A team's batch, or a 404 (another team's batch is indistinguishable from a missing one). */
  async own(id: string, team: string): Promise<BatchRecord> {
    const record = await this.get(id);
    if (!record || record.team !== team) throw new GatewayError('not_found', `No batch found with id '${id}'.`, { param: 'batch_id' });
    return record;
  }

  list(team: string, query: PageQuery): Promise<Page<BatchRecord>> {
    return this.index.page(team, query, async (ids) => {
      // Each batch has its own slot: per key on a cluster.
      const replies = await pipelinePerKey(this.redis, ids.map((id) => this.keys.batch(id)), (pipeline, key) => pipeline.hgetall(key));
      return replies.map(([, hash]) => batchFromHash((hash ?? {}) as Record<string, string>));
    });
  }

  /**
   * Moves the batch to `to` if its status is one of `from`, setting `stamp` (once) and `fields`.
   * @returns whether it moved, and the status it found.
   */
  async transition(id: string, from: readonly BatchStatus[], to: BatchStatus, stamp: BatchTimestamp | null, fields: Record<string, string> = {}): Promise<{ moved: boolean; previous: string }> {
    const [moved, previous] = await this.redis.syBatchTransition(this.keys.batch(id), from.join(','), to, stamp ?? '', String(nowSeconds()), ...Object.entries(fields).flat());
    return { moved: moved === 1, previous };
  }

  /** Marks lines as in flight, before their jobs are written (so no finished line is ever missed). */
  async addPending(id: string, lines: readonly number[]): Promise<void> {
    if (lines.length > 0) await this.redis.sadd(this.keys.pending(id), ...lines.map(String));
  }

  async pendingLines(id: string): Promise<number[]> {
    return (await this.redis.smembers(this.keys.pending(id))).map(Number);
  }

  pendingCount(id: string): Promise<number> {
    return this.redis.scard(this.keys.pending(id));
  }

  /** Buffers one finished line's output or error line, exactly once per line (COLLECT_SCRIPT). */
  async collect(id: string, line: number, kind: OutputKind, text: string, usage: LineUsage): Promise<CollectOutcome> {
    const [collected, pending, buffered, finished, total] = await this.redis.syBatchCollect(
      this.keys.batch(id),
      this.keys.pending(id),
      this.keys.buffer(id, 'out'),
      this.keys.buffer(id, 'err'),
      String(line),
      kind,
      text,
      String(usage.input),
      String(usage.output),
      String(usage.cached),
      String(usage.reasoning),
    );
    return { collected: collected === 1, pending, buffered, finished, total };
  }

  /** Writes error lines for lines that will never run and moves the cursor past them (SKIP_LINES_SCRIPT). */
  async skipLines(id: string, cursorLine: number, next: { line: number; byte: number }, lines: ReadonlyArray<{ line: number; text: string }>): Promise<boolean> {
    const [done] = await this.redis.syBatchSkipLines(
      this.keys.batch(id),
      this.keys.pending(id),
      this.keys.buffer(id, 'err'),
      String(cursorLine),
      String(next.line),
      String(next.byte),
      String(lines.length),
      ...lines.map((l) => String(l.line)),
      ...lines.map((l) => l.text),
    );
    return done === 1;
  }

  async advanceCursor(id: string, cursorLine: number, next: { line: number; byte: number }, submitted: number): Promise<boolean> {
    return (await this.redis.syBatchAdvanceCursor(this.keys.batch(id), String(cursorLine), String(next.line), String(next.byte), String(submitted))) === 1;
  }

  /** Up to `count` buffered lines of a file from position `offset`, oldest first. */
  bufferedLines(id: string, kind: OutputKind, offset: number, count: number): Promise<string[]> {
    return this.redis.lrange(this.keys.buffer(id, kind), offset, offset + count - 1);
  }

  async commitSegment(id: string, kind: OutputKind, part: number, lines: number, bytes: number): Promise<boolean> {
    return (await this.redis.syBatchCommitSegment(this.keys.batch(id), this.keys.buffer(id, kind), kind, String(part), String(lines), String(bytes))) === 1;
  }

  async setFields(id: string, fields: Record<string, string>): Promise<void> {
    await this.redis.hset(this.keys.batch(id), fields);
  }

  async field(id: string, name: string): Promise<string | null> {
    return this.redis.hget(this.keys.batch(id), name);
  }

  /** An ended batch: its working keys go, and its record is kept for `retentionSeconds`. */
  async retire(id: string, retentionSeconds: number): Promise<void> {
    await this.redis.del(this.keys.pending(id), ...OUTPUT_KINDS.map((kind) => this.keys.buffer(id, kind)));
    await this.redis.expire(this.keys.batch(id), retentionSeconds);
  }
}
