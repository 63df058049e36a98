import type { BudgetAlertData } from '../../shared/queues/webhook-queue.js';
import { postSignedWebhook } from './post-signed-webhook.js';
import type { WebhookDeliveryDeps } from './deliver-job-webhook.js';

/**
 * Delivers one budget alert to its team's `alert_webhook_url`, signed with the team's alert secret
 * (both signatures while a rotated-out one is in grace). The body is the event as raised; the
 * `webhook-id` is its stable message id, identical on every retry. A team without a URL (or a
 * secret) gets nothing: the alert is counted but not sent.
 */
export async function deliverBudgetAlert(deps: WebhookDeliveryDeps, data: BudgetAlertData): Promise<void> {
  const team = data.event.data.team;
  const [policy, secrets] = await Promise.all([deps.teams.get(team), deps.teams.alertSecrets(team)]);
  if (!policy.alert_webhook_url || secrets.length === 0) return;
  const timestamp = Math.floor(Date.now() / 1000);
  await postSignedWebhook(deps, { url: policy.alert_webhook_url, secrets, msgId: data.msgId, body: JSON.stringify(data.event), timestamp });
}
