import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RedisKeys } from '../redis/redis-keys.js';
import { WEBHOOK_QUEUE } from './queue-names.js';

export const WEBHOOK_EVENT_TYPES = ['job.succeeded', 'job.failed', 'job.cancelled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * The payload of a webhook delivery job: which job ended and how. The body is built at delivery
 * from the job record, and the signing secret read from the key record: neither sits in the queue.
 */
export const webhookJobDataSchema = z.object({
  v: z.literal(1),
  jobId: z.string().min(1),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  keyId: z.string().min(1),
});
export type WebhookJobData = z.infer<typeof webhookJobDataSchema>;

export interface WebhookRetryPolicy {
  attempts: number;
  backoffMs: number;
}

/** Enqueues webhook deliveries; one delivery per job (`wh-<jobId>`), so enqueueing twice is harmless. */
export class WebhookQueue {
  readonly queue: Queue<WebhookJobData>;

  constructor(
    connection: Redis,
    keys: RedisKeys,
    private readonly policy: WebhookRetryPolicy,
  ) {
    this.queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE, { connection, prefix: keys.bullPrefix(WEBHOOK_QUEUE) });
    this.queue.on('error', () => undefined); // surfaces on the shared connection's own handler
  }

  async enqueue(data: WebhookJobData): Promise<void> {
    await this.queue.add(data.type, data, {
      jobId: `wh-${data.jobId}`,
      attempts: this.policy.attempts,
      backoff: { type: 'exponential', delay: this.policy.backoffMs },
      removeOnComplete: { age: 24 * 3600 },
      // Dead deliveries stay, with their last error, until an operator looks (Bull Board).
      removeOnFail: false,
    });
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
