import type { ChatRequest } from '../canonical/chat-request.js';
import type { RouteTarget } from '../config/config-schema.js';
import type { JobAdmission } from '../jobs/job-record.js';
import type { Limits } from '../keys/key-policy.js';
import { estimatePromptTokens, keyScope, teamScope, type ScopeLimits } from '../rate-limit/index.js';
import type { AdmitResult } from './admission-gate.js';
import type { BudgetScope } from './budgets.js';
import type { PriceTable } from './price-table.js';

/** The RPM/TPM buckets and USD budgets a request of a key (and its team) is admitted against. */
export interface OwnerLimits {
  team: string;
  rate: ScopeLimits[];
  budgets: BudgetScope[];
}

/**
 * The limits in force for a key and its team, key first. `keyLimits` undefined: the key is gone
 * (a batch outliving its key) and only the team's limits apply.
 */
export function ownerLimits(team: string, keyId: string, keyLimits: Limits | undefined, teamLimits: Limits): OwnerLimits {
  const rate: ScopeLimits[] = [];
  const budgets: BudgetScope[] = [];
  if (keyLimits && (keyLimits.rpm || keyLimits.tpm)) rate.push({ scope: keyScope(team, keyId), rpm: keyLimits.rpm, tpm: keyLimits.tpm });
  if (teamLimits.rpm || teamLimits.tpm) rate.push({ scope: teamScope(team), rpm: teamLimits.rpm, tpm: teamLimits.tpm });
  if (keyLimits?.budget_usd) budgets.push({ team, scope: `key:${keyId}`, limitUsd: keyLimits.budget_usd, period: keyLimits.budget_period });
  if (teamLimits.budget_usd) budgets.push({ team, scope: 'team', limitUsd: teamLimits.budget_usd, period: teamLimits.budget_period });
  return { team, rate, budgets };
}

/**
 * What to reserve for one request: its estimated tokens (prompt by tokenizer plus output allowance)
 * and their cost at the route's first target. The tokenizer runs only when a TPM bucket or a budget
 * needs the estimate (RPM counts requests); otherwise both are 0.
 */
export function admissionEstimate(
  limits: OwnerLimits,
  request: ChatRequest,
  first: RouteTarget,
  defaultMaxTokens: number,
  prices: PriceTable,
): { tokens: number; estimateMicros: number } {
  if (limits.budgets.length === 0 && !limits.rate.some((l) => l.tpm)) return { tokens: 0, estimateMicros: 0 };
  const promptTokens = estimatePromptTokens(request);
  // The output allowance as estimateRequestTokens counts it, without tokenizing the prompt twice.
  const completionTokens = (request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens) * (request.n ?? 1);
  const tokens = promptTokens + completionTokens;
  const estimateMicros = limits.budgets.length > 0 ? prices.costMicros(first.model, { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: tokens }).micros : 0;
  return { tokens, estimateMicros };
}

/** The reservations of an admitted request, as stored on its job record (settled when it ends). */
export function jobAdmission(result: AdmitResult & { ok: true }): JobAdmission {
  const admission: JobAdmission = {};
  if (result.rate) admission.rate = result.rate;
  if (result.budget) admission.budget = result.budget;
  return admission;
}
