import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RedisKeys } from '../redis/redis-keys.js';

/** Batch runner ticks: one chain of jobs per unfinished batch. */
export const BATCH_QUEUE = 'batches';
/** Batch webhook deliveries (kept apart from job webhooks, whose payload schema is fixed). */
export const BATCH_WEBHOOK_QUEUE = 'batch-webhooks';

/**
 * A runner tick for one batch. Ticks of a batch form a chain (`<batch id>-t<n>`, each adding the
 * next); a tick older than the batch's `tick` field exits, so a replayed or duplicated one is harmless.
 * `failures` counts consecutive ticks that hit an error, for backoff.
 */
export const batchTickDataSchema = z.object({
  v: z.literal(1),
  batchId: z.string().regex(/^batch_[0-9a-f]{24}$/),
  tick: z.number().int().min(0),
  failures: z.number().int().min(0).default(0),
});
export type BatchTickData = z.infer<typeof batchTickDataSchema>;

export const BATCH_WEBHOOK_TYPES = ['batch.completed', 'batch.failed', 'batch.expired', 'batch.cancelled'] as const;
export type BatchWebhookType = (typeof BATCH_WEBHOOK_TYPES)[number];

/** A batch webhook delivery: which batch ended how. Body and secret are read at delivery time. */
export const batchWebhookDataSchema = z.object({
  v: z.literal(1),
  batchId: z.string().min(1),
  type: z.enum(BATCH_WEBHOOK_TYPES),
  keyId: z.string().min(1),
});
export type BatchWebhookData = z.infer<typeof batchWebhookDataSchema>;

export function tickJobId(batchId: string, tick: number): string {
  return `${batchId}-t${tick}`;
}

/** The batch queues on one shared connection: ticks and webhook deliveries. */
export class BatchQueues {
  readonly ticks: Queue<BatchTickData>;
  readonly webhooks: Queue<BatchWebhookData>;

  constructor(
    connection: Redis,
    keys: RedisKeys,
    private readonly webhookPolicy: { attempts: number; backoffMs: number },
  ) {
    this.ticks = new Queue<BatchTickData>(BATCH_QUEUE, { connection, prefix: keys.bullPrefix(BATCH_QUEUE) });
    this.webhooks = new Queue<BatchWebhookData>(BATCH_WEBHOOK_QUEUE, { connection, prefix: keys.bullPrefix(BATCH_WEBHOOK_QUEUE) });
  }

  /** Adds tick `tick` of a batch; adding one that exists is a no-op. */
  async scheduleTick(batchId: string, tick: number, delayMs: number, failures = 0): Promise<void> {
    await this.ticks.add('tick', { v: 1, batchId, tick, failures }, {
      jobId: tickJobId(batchId, tick),
      delay: Math.max(0, delayMs),
      // A tick that throws is retried; the chain itself carries progress, so finished ticks go.
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  /**
   * Runs a batch's next tick now instead of after its delay (a cancel, a drained window, a full
   * buffer). `currentTick` is the batch's `tick` field; its successor is the one waiting. Best
   * effort: when that tick is not delayed (running, or not added yet) nothing happens, and the
   * regular schedule covers it.
   */
  async nudge(batchId: string, currentTick: number): Promise<void> {
    const job = await this.ticks.getJob(tickJobId(batchId, currentTick + 1));
    if (job) await job.promote().catch(() => undefined);
  }

  /** One delivery per batch end (`bwh-<batch id>-<type>`), so enqueueing twice is harmless. */
  async enqueueWebhook(data: BatchWebhookData): Promise<void> {
    await this.webhooks.add(data.type, data, {
      jobId: `bwh-${data.batchId}-${data.type}`,
      attempts: this.webhookPolicy.attempts,
      backoff: { type: 'exponential', delay: this.webhookPolicy.backoffMs },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: false,
    });
  }

  all(): Queue[] {
    return [this.ticks, this.webhooks];
  }

  async close(): Promise<void> {
    await Promise.all([this.ticks.close(), this.webhooks.close()]);
  }
}
