import type { Redis } from 'ioredis';
import type { ErrorData } from '../errors/gateway-error.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { parseLineJobId } from '../batches/line-job.js';
import { ADVANCE_SCRIPT, CANCEL_SCRIPT, FINISH_SCRIPT, START_SCRIPT } from './job-scripts.js';
import { fromRedisHash, toPublicJob, toRedisHash, type AttemptRecord, type JobRecord, type JobStatus, type PublicJob } from './job-record.js';

/** What crosses the job events channel: the job id and status, and the public job when the writer had it. */
export interface JobEvent {
  id: string;
  status: JobStatus;
  job?: PublicJob;
}

export type StartOutcome = 'missing' | 'terminal' | 'stale' | 'run';

type Scripted = Redis & {
  syJobStart(key: string, seq: string, now: string): Promise<string[]>;
  syJobFinish(key: string, ...argv: string[]): Promise<number>;
  syJobAdvance(key: string, ...argv: string[]): Promise<number>;
  syJobCancel(key: string, ...argv: string[]): Promise<[string, string]>;
};

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Job records in Redis: the only module that writes them. */
export class JobStore {
  private readonly redis: Scripted;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly retentionSeconds: number,
  ) {
    this.redis = redis as Scripted;
    if (!('syJobStart' in redis)) {
      redis.defineCommand('syJobStart', { numberOfKeys: 1, lua: START_SCRIPT });
      redis.defineCommand('syJobFinish', { numberOfKeys: 1, lua: FINISH_SCRIPT });
      redis.defineCommand('syJobAdvance', { numberOfKeys: 1, lua: ADVANCE_SCRIPT });
      redis.defineCommand('syJobCancel', { numberOfKeys: 1, lua: CANCEL_SCRIPT });
    }
  }

  /** Writes a new record. Not awaited before the enqueue on the same connection: Redis keeps the order. */
  create(record: JobRecord): Promise<number> {
    return this.redis.hset(this.keys.job(record.id), toRedisHash(record));
  }

  /** Writes a record that is already finished (answered from the cache), with its retention. */
  async createFinished(record: JobRecord): Promise<void> {
    const key = this.keys.job(record.id);
    await this.redis.multi().hset(key, toRedisHash(record)).expire(key, this.retentionSeconds).exec();
  }

  async get(id: string): Promise<JobRecord | null> {
    return fromRedisHash(await this.redis.hgetall(this.keys.job(id)));
  }

  /** Marks the job running for BullMQ job `seq`, returning what the worker must do and the record. */
  async start(id: string, seq: number): Promise<{ outcome: StartOutcome; record: JobRecord | null }> {
    const [outcome, ...flat] = await this.redis.syJobStart(this.keys.job(id), String(seq), String(nowSeconds()));
    return { outcome: outcome as StartOutcome, record: fromRedisHash(pairs(flat)) };
  }

  /** Ends the job and notifies waiters; false when it had already ended (cancelled meanwhile). */
  async finish(record: JobRecord, end: { status: 'succeeded' | 'failed'; result?: JobRecord['result']; error?: ErrorData; attempts: AttemptRecord[] }): Promise<{ written: boolean; record: JobRecord }> {
    const finished: JobRecord = {
      ...record,
      status: end.status,
      completedAt: nowSeconds(),
      result: end.result ?? null,
      error: end.error ?? null,
      attempts: end.attempts,
    };
    const event: JobEvent = { id: record.id, status: end.status, job: toPublicJob(finished) };
    const written = await this.redis.syJobFinish(
      this.keys.job(record.id),
      end.status,
      String(finished.completedAt),
      finished.result ? JSON.stringify(finished.result) : '',
      finished.error ? JSON.stringify(finished.error) : '',
      JSON.stringify(finished.attempts),
      String(this.retentionSeconds),
      this.keys.jobEvents(),
      JSON.stringify(event),
      this.lineEvents(record.id),
    );
    return { written: written === 1, record: finished };
  }

  /** Moves the job to BullMQ job `nextSeq` on route step `nextStep`; false if it ended or moved on. */
  async advance(record: JobRecord, nextSeq: number, nextStep: number, attempts: AttemptRecord[]): Promise<boolean> {
    const done = await this.redis.syJobAdvance(this.keys.job(record.id), String(record.seq), String(nextSeq), String(nextStep), JSON.stringify(attempts));
    return done === 1;
  }

  /** Cancels a job that has not ended. */
  async cancel(id: string, error: ErrorData): Promise<{ outcome: 'missing' | 'terminal' | 'cancelled'; previous: string }> {
    const event: JobEvent = { id, status: 'cancelled' };
    const [outcome, previous] = await this.redis.syJobCancel(
      this.keys.job(id),
      String(nowSeconds()),
      JSON.stringify(error),
      String(this.retentionSeconds),
      this.keys.jobEvents(),
      JSON.stringify(event),
      this.lineEvents(id),
    );
    return { outcome: outcome as 'missing' | 'terminal' | 'cancelled', previous };
  }

  /**
   * The second channel a job's end is published on, or '': a batch line's own, which worker
   * processes listen to so that they are not sent every job's result (events:jobs is for the API).
   */
  private lineEvents(id: string): string {
    return parseLineJobId(id) ? this.keys.batchLineEvents() : '';
  }
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}
