import { UnrecoverableError, type Job } from 'bullmq';
import { batchWebhookDataSchema } from '../../shared/batches/batch-queues.js';
import { isEnded } from '../../shared/batches/batch-record.js';
import { toPublicBatch } from '../../shared/batches/public-batch.js';
import { deliverWebhook } from '../../shared/webhooks/deliver-webhook.js';
import { WebhookDeliveryError } from '../../shared/webhooks/webhook-delivery-error.js';
import { webhookHeaders } from '../../shared/webhooks/sign-webhook.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';

/** Thrown while the batch has not reached its final status yet: BullMQ retries the delivery later. */
class BatchNotEndedYet extends Error {}

/**
 * Delivers one batch event: `{type: "batch.completed"|..., timestamp, data: <batch object>}`,
 * signed per Standard Webhooks with the creating key's secret, exactly like job webhooks
 * (`webhook-id` = `msg_<batch id>`, stable across retries). The body is built at delivery from the
 * batch record; an event whose batch ended otherwise (a cancel raced a failure) is dropped.
 * Throws on failure so BullMQ retries with backoff, then keeps the delivery as failed.
 */
export async function deliverBatchWebhook(deps: Pick<BatchWorkerDeps, 'config' | 'batchStore' | 'keyStore'>, job: Job<unknown>): Promise<void> {
  const data = batchWebhookDataSchema.parse(job.data);
  const [batch, key] = await Promise.all([deps.batchStore.get(data.batchId), deps.keyStore.get(data.keyId)]);
  if (!batch?.webhook || !key) return; // expired or revoked since: nothing to send, nothing to sign with
  if (!isEnded(batch.status)) throw new BatchNotEndedYet(`Batch ${batch.id} is still ${batch.status}`);
  if (`batch.${batch.status}` !== data.type) return;
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ type: data.type, timestamp: new Date(timestamp * 1000).toISOString(), data: toPublicBatch(batch) });
  const headers = webhookHeaders({ secret: key.webhookSecrets, msgId: `msg_${batch.id}`, timestamp, body });
  try {
    await deliverWebhook({ url: batch.webhook.url, allowPrivate: deps.config.webhooks.allowPrivate, headers: { ...headers }, body, timeoutMs: deps.config.webhooks.timeoutMs });
  } catch (err) {
    // A refused target (private address) will not change on retry: keep it as dead at once.
    if (err instanceof WebhookDeliveryError && !err.retryable) throw new UnrecoverableError(err.message);
    throw err;
  }
}
