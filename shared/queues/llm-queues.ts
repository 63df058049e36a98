import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys.js';
import { bullJobId, type JobRecord } from '../jobs/job-record.js';
import { FairPriority } from './fair-priority.js';
import type { LlmJobData } from './llm-job-data.js';
import { llmQueueName } from './queue-names.js';

/** How long BullMQ keeps finished attempt jobs for Bull Board (the job record keeps the truth). */
const KEEP_COMPLETED = { age: 3600, count: 5000 };
const KEEP_FAILED = { age: 7 * 24 * 3600 };
/** How often BullMQ runs an attempt job whose processing threw, and the first wait between (doubling). */
export const PROCESSING_ATTEMPTS = 3;
const PROCESSING_RETRY_MS = 1000;

/**
 * The per-deployment queues, created lazily on one shared connection. Adding uses deterministic
 * job ids (`<jobId>-<seq>`), so adding the same attempt twice is a no-op.
 */
export class LlmQueues {
  private readonly queues = new Map<string, Queue<LlmJobData>>();

  private readonly fair: FairPriority;

  constructor(
    private readonly connection: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.fair = new FairPriority(connection, keys);
  }

  queue(deployment: string): Queue<LlmJobData> {
    let queue = this.queues.get(deployment);
    if (!queue) {
      const name = llmQueueName(deployment);
      queue = new Queue<LlmJobData>(name, { connection: this.connection, prefix: this.keys.bullPrefix(name) });
      queue.on('error', () => undefined); // connection errors surface on the shared connection's own handler
      this.queues.set(deployment, queue);
    }
    return queue;
  }

  /**
   * Adds an attempt. The first (seq 1) takes its team's fair place in its priority class; retries and
   * failovers go to the front of their class.
   */
  async add(deployment: string, data: LlmJobData, delayMs = 0): Promise<void> {
    const priority = data.seq === 1 ? await this.fair.enter(deployment, data.priority, data.team, data.jobId) : this.fair.reentry(data.priority);
    const options: JobsOptions = {
      jobId: bullJobId(data.jobId, data.seq),
      priority,
      // Not vendor retries (the dispatcher decides those, and never throws for them): these cover an
      // attempt that threw in the worker itself (a Redis blip mid-attempt). Replaying one is safe; after
      // the last, the worker fails the job record (workers/dispatch/abandoned-attempt.ts).
      attempts: PROCESSING_ATTEMPTS,
      backoff: { type: 'exponential', delay: PROCESSING_RETRY_MS },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    };
    if (delayMs > 0) options.delay = delayMs;
    await this.queue(deployment).add('chat', data, options);
  }

  /** A worker took an attempt off the queue (for fairness accounting). */
  taken(deployment: string, data: LlmJobData): Promise<void> {
    return data.seq === 1 ? this.fair.left(deployment, data.priority, data.team, data.jobId) : Promise.resolve();
  }

  /** Removes a waiting or delayed attempt job (cancel), and its team's fair place; false when it is running or gone. */
  async remove(deployment: string, job: Pick<JobRecord, 'id' | 'seq' | 'team' | 'priority'>): Promise<boolean> {
    const removed = (await this.queue(deployment).remove(bullJobId(job.id, job.seq))) === 1;
    if (removed && job.seq === 1) await this.fair.left(deployment, job.priority, job.team, job.id);
    return removed;
  }

  all(): Queue<LlmJobData>[] {
    return [...this.queues.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((q) => q.close()));
  }
}
