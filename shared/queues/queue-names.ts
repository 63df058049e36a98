/** One BullMQ queue per deployment. BullMQ queue names cannot contain ':'. */
export function llmQueueName(deployment: string): string {
  return `llm-${deployment}`;
}

/** Webhook deliveries (job and batch events). */
export const WEBHOOK_QUEUE = 'webhooks';
