import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RedisKeys } from '../redis/redis-keys.js';
import { budgetAlertMessageId, budgetThresholdEventSchema, type BudgetThresholdEvent } from '../usage/budget-alerts.js';
import { WEBHOOK_QUEUE } from './queue-names.js';

export const WEBHOOK_EVENT_TYPES = ['job.succeeded', 'job.failed', 'job.cancelled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * The payload of a job webhook delivery: which job ended and how. The body is built at delivery
 * from the job record, and the signing secret read from the key record: neither sits in the queue.
 */
export const jobWebhookDataSchema = z.object({
  v: z.literal(1),
  jobId: z.string().min(1),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  keyId: z.string().min(1),
});
export type JobWebhookData = z.infer<typeof jobWebhookDataSchema>;

/**
 * The payload of a budget alert delivery: the event itself (the body, frozen when the threshold
 * was crossed; no secrets) and its Standard Webhooks message id. The URL and the team's signing
 * secret are read at delivery, so a changed URL or a rotated secret applies to retries too.
 */
export const budgetAlertDataSchema = z.object({
  v: z.literal(1),
  type: z.literal('budget.threshold'),
  msgId: z.string().min(1),
  event: budgetThresholdEventSchema,
});
export type BudgetAlertData = z.infer<typeof budgetAlertDataSchema>;

/** Every payload of the webhook queue, told apart by `type`. */
export const webhookJobDataSchema = z.discriminatedUnion('type', [jobWebhookDataSchema, budgetAlertDataSchema]);
export type WebhookJobData = z.infer<typeof webhookJobDataSchema>;

export interface WebhookRetryPolicy {
  attempts: number;
  backoffMs: number;
}

/**
 * Enqueues webhook deliveries, each under a deterministic BullMQ job id — `wh-<jobId>` for a job's
 * webhook, the message id for a budget alert — so enqueueing one twice (replicas, replays) is harmless.
 */
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

  async enqueue(data: JobWebhookData): Promise<void> {
    await this.add(data, `wh-${data.jobId}`);
  }

  /** Enqueues the delivery of one budget alert to its team's alert URL (retried like job webhooks). */
  async enqueueBudgetAlert(event: BudgetThresholdEvent): Promise<void> {
    const msgId = budgetAlertMessageId(event);
    await this.add({ v: 1, type: 'budget.threshold', msgId, event }, msgId);
  }

  private async add(data: WebhookJobData, jobId: string): Promise<void> {
    await this.queue.add(data.type, data, {
      jobId,
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
