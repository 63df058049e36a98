import { z } from 'zod';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { BudgetSettlement } from './budgets.js';

/** The thresholds (percent of a budget) that raise an alert, once each per budget period. */
export const BUDGET_THRESHOLDS = [80, 100] as const;
export type BudgetThreshold = (typeof BUDGET_THRESHOLDS)[number];

/**
 * The team policy field naming where budget alerts go (`PUT /admin/teams/{team}`); merge it into the
 * team limits schema. The URL is checked like job webhook URLs at delivery (SSRF-safe resolution).
 */
export const budgetAlertPolicySchema = z.object({ alert_webhook_url: z.url({ protocol: /^https?$/ }).optional() }).strict();

/**
 * A budget alert webhook body. Contract (crosses a process boundary: receivers parse it, and it
 * sits in the webhook queue's job data): `{type: "budget.threshold", timestamp: ISO-8601, data:
 * {team, threshold: 80|100, spent_usd, budget_usd, period: "daily"|"monthly"|"total", period_id,
 * scope: "team"|"key", key_id?}}`. `spent_usd` is the settled spend when the threshold was crossed
 * (holds of requests in flight excluded); `timestamp` is when that settle ran.
 */
export const budgetThresholdEventSchema = z
  .object({
    type: z.literal('budget.threshold'),
    timestamp: z.string(),
    data: z
      .object({
        team: z.string().min(1),
        threshold: z.union([z.literal(80), z.literal(100)]),
        spent_usd: z.number(),
        budget_usd: z.number(),
        period: z.enum(['daily', 'monthly', 'total']),
        period_id: z.string().min(1),
        scope: z.enum(['team', 'key']),
        key_id: z.string().min(1).optional(),
      })
      .strict(),
  })
  .strict();
export type BudgetThresholdEvent = z.infer<typeof budgetThresholdEventSchema>;

/**
 * The alert events of a settle (one per budget whose threshold its hold crossed), team budgets and
 * key budgets alike; deliver the team ones to the team's `alert_webhook_url`. A replayed settle of
 * the hold that crossed gives the same events again (same webhook ids), so an alert whose first
 * enqueue was lost is raised by the replay; its `spent_usd` is then the spend at the replay.
 */
export function budgetThresholdEvents(settlement: BudgetSettlement | null, nowMs = Date.now()): BudgetThresholdEvent[] {
  if (!settlement) return [];
  return settlement.budgets.flatMap((b) => {
    if (b.crossed === null || b.limitUsd === null) return [];
    const isKey = b.scope.startsWith('key:');
    return [
      {
        type: 'budget.threshold' as const,
        timestamp: new Date(nowMs).toISOString(),
        data: {
          team: settlement.team,
          threshold: b.crossed,
          spent_usd: b.spentUsd,
          budget_usd: b.limitUsd,
          period: periodOf(b.period),
          period_id: b.period,
          scope: isKey ? ('key' as const) : ('team' as const),
          ...(isKey ? { key_id: b.scope.slice('key:'.length) } : {}),
        },
      },
    ];
  });
}

/**
 * The Standard Webhooks `webhook-id` of an alert: stable for one budget, period and threshold, so a
 * delivery retried (or enqueued twice) is recognised by receivers — and usable as a BullMQ job id.
 */
export function budgetAlertMessageId(event: BudgetThresholdEvent): string {
  const { team, scope, key_id: keyId, period_id: periodId, threshold } = event.data;
  return `msg_budget_${team}_${scope === 'key' ? `key-${keyId}` : 'team'}_${periodId}_${threshold}`;
}

function periodOf(periodId: string): BudgetThresholdEvent['data']['period'] {
  return periodId === 'total' ? 'total' : periodId.length === 10 ? 'daily' : 'monthly';
}

/** Where raised alerts go: the webhook queue (shared/queues/webhook-queue.ts). */
export interface BudgetAlertSink {
  enqueueBudgetAlert(event: BudgetThresholdEvent): Promise<void>;
}

/**
 * Raises the alerts of a settle: counts each in `switchyard_budget_alerts_total` (on the first settle
 * only) and enqueues its delivery (to the team's `alert_webhook_url`, key budgets included). A
 * crossing belongs to one hold per budget, period and threshold across all replicas (HSETNX in
 * SETTLE); its delivery's job id is the stable message id, so the enqueue of a replayed settle is a
 * no-op while the first delivery is still kept, and receivers dedupe by `webhook-id` after that.
 * @returns the events raised.
 */
export async function raiseBudgetAlerts(
  settlement: BudgetSettlement | null,
  sink: BudgetAlertSink,
  metrics: Pick<GatewayMetrics, 'budgetAlerts'>,
  nowMs = Date.now(),
): Promise<BudgetThresholdEvent[]> {
  const events = budgetThresholdEvents(settlement, nowMs);
  // A replayed settle raises its crossings again for delivery, but they were counted the first time.
  const firstSettle = settlement?.applied === true;
  for (const event of events) {
    if (firstSettle) metrics.budgetAlerts.inc({ threshold: String(event.data.threshold), scope: event.data.scope });
    await sink.enqueueBudgetAlert(event);
  }
  return events;
}
