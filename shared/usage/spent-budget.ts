import type { KeyRecord } from '../keys/key-store.js';
import type { TeamPolicies } from '../keys/team-policies.js';
import type { Budgets } from './budgets.js';
import { ownerLimits } from './owner-limits.js';

/** A budget of a key or its team that is already spent in its current period. */
export interface SpentBudget {
  scope: 'key' | 'team';
  limitUsd: number;
  spentUsd: number;
}

/**
 * The first budget (key's, then team's) whose spend has reached its limit this period, or null.
 * For work that would only fail line by line later (a batch): it is refused before it starts.
 * Live holds do not count — they may still settle below their estimate.
 */
export async function spentBudget(budgets: Budgets, teams: TeamPolicies, key: KeyRecord): Promise<SpentBudget | null> {
  const limits = ownerLimits(key.team, key.id, key.policy, await teams.get(key.team));
  for (const budget of limits.budgets) {
    const { spentUsd } = await budgets.state(budget.team, budget.scope, budget.period);
    if (spentUsd >= budget.limitUsd) return { scope: budget.scope === 'team' ? 'team' : 'key', limitUsd: budget.limitUsd, spentUsd };
  }
  return null;
}
