import { UnrecoverableError, type Job } from 'bullmq';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';
import { toPublicJob } from '../../shared/jobs/job-record.js';
import type { JobStore } from '../../shared/jobs/job-store.js';
import type { KeyStore } from '../../shared/keys/key-store.js';
import type { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';
import { webhookJobDataSchema } from '../../shared/queues/webhook-queue.js';
import { deliverWebhook } from '../../shared/webhooks/deliver-webhook.js';
import { WebhookDeliveryError } from '../../shared/webhooks/webhook-delivery-error.js';
import { webhookHeaders } from '../../shared/webhooks/sign-webhook.js';

export interface WebhookDeliveryDeps {
  metrics: GatewayMetrics;
  config: SwitchyardConfig;
  store: JobStore;
  keyStore: KeyStore;
}

/**
 * Delivers one job event: `{type, timestamp, data: <job object>}`, signed per Standard Webhooks with
 * the owning key's secret. The `webhook-id` is stable across retries so receivers can deduplicate.
 * Throws on any failure so BullMQ retries with exponential backoff, then keeps the delivery as failed.
 */
export async function deliverJobWebhook(deps: WebhookDeliveryDeps, job: Job<unknown>): Promise<void> {
  const data = webhookJobDataSchema.parse(job.data);
  const [record, key] = await Promise.all([deps.store.get(data.jobId), deps.keyStore.get(data.keyId)]);
  if (!record?.webhook || !key) return; // expired or revoked since: nothing to send, nothing to sign with
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ type: data.type, timestamp: new Date(timestamp * 1000).toISOString(), data: toPublicJob(record) });
  const headers = webhookHeaders({ secret: key.webhookSecret, msgId: `msg_${record.id}`, timestamp, body });
  try {
    await deliverWebhook({ url: record.webhook.url, allowPrivate: deps.config.webhooks.allowPrivate, headers: { ...headers }, body, timeoutMs: deps.config.webhooks.timeoutMs });
    deps.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
  } catch (err) {
    deps.metrics.webhookDeliveries.inc({ outcome: err instanceof WebhookDeliveryError ? err.code : 'error' });
    // A refused target (private address) will not change on retry: keep it as dead at once.
    if (err instanceof WebhookDeliveryError && !err.retryable) throw new UnrecoverableError(err.message);
    throw err;
  }
}
