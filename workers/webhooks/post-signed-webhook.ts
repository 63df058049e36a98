import { UnrecoverableError } from 'bullmq';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';
import type { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';
import { deliverWebhook } from '../../shared/webhooks/deliver-webhook.js';
import { WebhookDeliveryError } from '../../shared/webhooks/webhook-delivery-error.js';
import { webhookHeaders } from '../../shared/webhooks/sign-webhook.js';

export interface SignedWebhook {
  url: string;
  /** Every secret valid now; the delivery carries one `v1,` signature per secret. */
  secrets: readonly string[];
  msgId: string;
  body: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The `x-request-id` of the API request the event came from, so receivers can correlate logs. */
  requestId?: string;
}

/**
 * One attempt of a signed delivery (Standard Webhooks), under the SSRF rules of `webhooks.allowPrivate`,
 * counted in `switchyard_webhook_deliveries_total`. Throws on failure so BullMQ retries with its
 * backoff; a refused target (a private address, a bad URL) will not change on retry, so it throws
 * UnrecoverableError and the delivery is kept as dead at once.
 */
export async function postSignedWebhook(deps: { metrics: GatewayMetrics; config: SwitchyardConfig }, hook: SignedWebhook): Promise<void> {
  const headers = webhookHeaders({ secret: hook.secrets, msgId: hook.msgId, timestamp: hook.timestamp, body: hook.body });
  try {
    await deliverWebhook({ url: hook.url, allowPrivate: deps.config.webhooks.allowPrivate, headers: { ...headers, ...(hook.requestId ? { 'x-request-id': hook.requestId } : {}) }, body: hook.body, timeoutMs: deps.config.webhooks.timeoutMs });
    deps.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
  } catch (err) {
    deps.metrics.webhookDeliveries.inc({ outcome: err instanceof WebhookDeliveryError ? err.code : 'error' });
    if (err instanceof WebhookDeliveryError && !err.retryable) throw new UnrecoverableError(err.message);
    throw err;
  }
}
