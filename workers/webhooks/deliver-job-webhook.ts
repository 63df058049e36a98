import type { Job } from 'bullmq';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';
import { toPublicJob } from '../../shared/jobs/job-record.js';
import type { JobStore } from '../../shared/jobs/job-store.js';
import type { KeyStore } from '../../shared/keys/key-store.js';
import type { TeamPolicies } from '../../shared/keys/team-policies.js';
import type { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';
import { webhookJobDataSchema, type JobWebhookData } from '../../shared/queues/webhook-queue.js';
import { deliverBudgetAlert } from './deliver-budget-alert.js';
import { postSignedWebhook } from './post-signed-webhook.js';

export interface WebhookDeliveryDeps {
  metrics: GatewayMetrics;
  config: SwitchyardConfig;
  store: JobStore;
  keyStore: KeyStore;
  /** Team policies: where budget alerts go and the secrets that sign them. */
  teams: TeamPolicies;
}

/**
 * Processes one webhook queue job: a job event or a budget alert (deliver-budget-alert.ts).
 * A job event is `{type, timestamp, data: <job object>}`, signed per Standard Webhooks with the
 * owning key's secret (and its rotated-out one while in grace). The `webhook-id` is stable across
 * retries so receivers can deduplicate. Throws on any failure so BullMQ retries with exponential
 * backoff, then keeps the delivery as failed.
 */
export async function deliverJobWebhook(deps: WebhookDeliveryDeps, job: Job<unknown>): Promise<void> {
  const data = webhookJobDataSchema.parse(job.data);
  if (data.type === 'budget.threshold') return deliverBudgetAlert(deps, data);
  return deliverJobEvent(deps, data);
}

async function deliverJobEvent(deps: WebhookDeliveryDeps, data: JobWebhookData): Promise<void> {
  const [record, key] = await Promise.all([deps.store.get(data.jobId), deps.keyStore.get(data.keyId)]);
  if (!record?.webhook || !key) return; // expired or revoked since: nothing to send, nothing to sign with
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ type: data.type, timestamp: new Date(timestamp * 1000).toISOString(), data: toPublicJob(record) });
  await postSignedWebhook(deps, { url: record.webhook.url, secrets: key.webhookSecrets, msgId: `msg_${record.id}`, body, timestamp, requestId: record.requestId });
}
