import { describe, expect, it } from 'vitest';
import { budgetAlertMessageId, budgetAlertPolicySchema, budgetThresholdEvents } from './budget-alerts.js';
import type { BudgetSettlement } from './budgets.js';

const at = Date.parse('2026-11-24T09:30:00Z');
const settlement = (overrides: Partial<BudgetSettlement> = {}): BudgetSettlement => ({
  team: 'search',
  applied: true,
  budgets: [
    { scope: 'key:key_abc', period: '2026-11-24', spentUsd: 4.1, limitUsd: 4, crossed: 100 },
    { scope: 'team', period: '2026-11', spentUsd: 80.5, limitUsd: 100, crossed: 80 },
    { scope: 'team', period: 'total', spentUsd: 10, limitUsd: 1000, crossed: null },
  ],
  ...overrides,
});

describe('budget alerts', () => {
  it('builds one event per budget that crossed a threshold in this settle', () => {
    expect(budgetThresholdEvents(settlement(), at)).toEqual([
      { type: 'budget.threshold', timestamp: '2026-11-24T09:30:00.000Z', data: { team: 'search', threshold: 100, spent_usd: 4.1, budget_usd: 4, period: 'daily', period_id: '2026-11-24', scope: 'key', key_id: 'key_abc' } },
      { type: 'budget.threshold', timestamp: '2026-11-24T09:30:00.000Z', data: { team: 'search', threshold: 80, spent_usd: 80.5, budget_usd: 100, period: 'monthly', period_id: '2026-11', scope: 'team' } },
    ]);
  });

  it("raises a replayed settle's crossings again (same ids), and nothing for a job without a budget", () => {
    expect(budgetThresholdEvents(settlement({ applied: false }), at)).toEqual(budgetThresholdEvents(settlement(), at));
    expect(budgetThresholdEvents(null, at)).toEqual([]);
  });

  it('gives each budget, period and threshold its own stable webhook id', () => {
    const ids = budgetThresholdEvents(settlement(), at).map(budgetAlertMessageId);
    expect(ids).toEqual(['msg_budget_search_key-key_abc_2026-11-24_100', 'msg_budget_search_team_2026-11_80']);
    expect(budgetThresholdEvents(settlement(), at + 60_000).map(budgetAlertMessageId)).toEqual(ids);
  });

  it('accepts only http(s) alert webhook URLs in team policy', () => {
    expect(budgetAlertPolicySchema.safeParse({ alert_webhook_url: 'https://finops.example.com/hooks' }).success).toBe(true);
    expect(budgetAlertPolicySchema.safeParse({ alert_webhook_url: 'ftp://finops.example.com' }).success).toBe(false);
    expect(budgetAlertPolicySchema.safeParse({}).success).toBe(true);
  });
});
