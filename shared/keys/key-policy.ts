import { z } from 'zod';
import { budgetAlertPolicySchema } from '../usage/budget-alerts.js';

export const BUDGET_PERIODS = ['daily', 'monthly', 'total'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** Limits that apply to a key or a whole team; all optional (unset = unlimited). */
export const limitsSchema = z
  .object({
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    budget_usd: z.number().positive().optional(),
    budget_period: z.enum(BUDGET_PERIODS).default('monthly'),
  })
  .strict();
export type Limits = z.infer<typeof limitsSchema>;

/** A team's policy (`PUT /admin/teams/{team}`): its limits plus where its budget alerts go. */
export const teamPolicySchema = limitsSchema.extend(budgetAlertPolicySchema.shape).strict();
export type TeamPolicy = z.infer<typeof teamPolicySchema>;

/** A key's own policy: its limits plus which model aliases it may use and when it expires. */
export const keyPolicySchema = limitsSchema
  .extend({
    /** Model aliases (or `deployment/model` names) this key may call; unset = all. */
    models: z.array(z.string().min(1)).min(1).optional(),
    /** Unix seconds after which the key no longer authenticates. */
    expires_at: z.number().int().positive().optional(),
  })
  .strict();
export type KeyPolicy = z.infer<typeof keyPolicySchema>;

/** The id of the budget period a moment falls in (UTC): `2026-11-24`, `2026-11` or `total`. */
export function periodId(period: BudgetPeriod, ms: number): string {
  const iso = new Date(ms).toISOString();
  return period === 'daily' ? iso.slice(0, 10) : period === 'monthly' ? iso.slice(0, 7) : 'total';
}
