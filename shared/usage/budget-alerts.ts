import { z } from 'zod';
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
 * A budget alert webhook body. Contract (crosses a process boundary: receivers parse it):
 * `{type: "budget.threshold", timestamp: ISO-8601, data: {team, threshold: 80|100, spent_usd,
 * budget_usd, period: "daily"|"monthly"|"total", period_id, scope: "team"|"key", key_id?}}`.
 * `spent_usd` is the settled spend when the threshold was crossed (holds of requests in flight excluded).
 */
export interface BudgetThresholdEvent {
  type: 'budget.threshold';
  timestamp: string;
  data: {
    team: string;
    threshold: BudgetThreshold;
    spent_usd: number;
    budget_usd: number;
    period: 'daily' | 'monthly' | 'total';
    period_id: string;
    scope: 'team' | 'key';
    key_id?: string;
  };
}

/**
 * The alert events a settle produced (one per budget that crossed a threshold in it), team budgets
 * and key budgets alike; deliver the team ones to the team's `alert_webhook_url`.
 */
export function budgetThresholdEvents(settlement: BudgetSettlement | null, nowMs = Date.now()): BudgetThresholdEvent[] {
  if (!settlement?.applied) return [];
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
