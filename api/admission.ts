import type { Response } from 'express';
import type { ChatRequest } from '../shared/canonical/chat-request.js';
import type { RouteTarget } from '../shared/config/config-schema.js';
import { GatewayError } from '../shared/errors/gateway-error.js';
import type { KeyRecord } from '../shared/keys/key-store.js';
import type { TeamPolicies } from '../shared/keys/team-policies.js';
import { keyScope, teamScope, type ScopeLimits, type TokenBuckets } from '../shared/rate-limit/index.js';
import type { BudgetScope, Budgets } from '../shared/usage/budgets.js';
import type { PriceTable } from '../shared/usage/price-table.js';
import type { JobAdmission } from '../shared/jobs/job-record.js';
import { estimatePromptTokens } from '../shared/rate-limit/index.js';

/**
 * Admission before a job is queued, for the key and its team: the key's expiry and allowed models,
 * then their RPM/TPM buckets (one atomic reservation across both), then their USD budgets (one atomic
 * reservation across both, at the estimated cost of the route's first target). What it reserves is
 * stored on the job and settled by the worker with the real usage and cost.
 */
export class Admission {
  constructor(
    private readonly teams: TeamPolicies,
    private readonly buckets: TokenBuckets,
    private readonly budgets: Budgets,
    private readonly prices: PriceTable,
    private readonly estimateTokens: (request: ChatRequest, deployment: string) => number,
  ) {}

  /** Checks the key's own rules; throws 401/403. Cheap: no Redis. */
  checkKey(key: KeyRecord, request: ChatRequest): void {
    if (key.policy.expires_at !== undefined && key.policy.expires_at * 1000 <= Date.now()) throw new GatewayError('invalid_api_key', 'This key has expired.');
    if (key.policy.models && !key.policy.models.includes(request.model)) {
      throw new GatewayError('permission_denied', `This key may not use the model '${request.model}'.`, { param: 'model' });
    }
  }

  /** Reserves rate and budget for a job about to be queued; throws 429 when either is exhausted. */
  async admit(key: KeyRecord, request: ChatRequest, route: RouteTarget[], res: Response): Promise<JobAdmission> {
    const team = await this.teams.get(key.team);
    const first = route[0]!;
    const tokens = this.estimateTokens(request, first.deployment);
    const limits: ScopeLimits[] = [];
    if (key.policy.rpm || key.policy.tpm) limits.push({ scope: keyScope(key.team, key.id), rpm: key.policy.rpm, tpm: key.policy.tpm });
    if (team.rpm || team.tpm) limits.push({ scope: teamScope(key.team), rpm: team.rpm, tpm: team.tpm });
    const admission: JobAdmission = {};
    if (limits.length > 0) {
      const rate = await this.buckets.reserve(limits, { requests: 1, tokens });
      if (!rate.ok) {
        const limit = limits.map((l) => l.rpm).filter((n): n is number => n !== undefined);
        if (limit.length) res.setHeader('x-ratelimit-limit-requests', String(Math.min(...limit)));
        if (rate.remaining.requests !== null) res.setHeader('x-ratelimit-remaining-requests', String(Math.max(0, rate.remaining.requests)));
        if (rate.remaining.tokens !== null) res.setHeader('x-ratelimit-remaining-tokens', String(Math.max(0, rate.remaining.tokens)));
        res.setHeader('x-ratelimit-reset-requests', `${Math.ceil(rate.retryAfterMs / 1000)}s`);
        throw new GatewayError('rate_limited', `Rate limit reached for ${key.policy.rpm || key.policy.tpm ? 'this key or its team' : 'this team'}; retry in ${Math.ceil(rate.retryAfterMs / 1000)} s.`, { retryAfterMs: rate.retryAfterMs });
      }
      admission.rate = rate.reservation;
    }
    const scopes: BudgetScope[] = [];
    if (key.policy.budget_usd) scopes.push({ team: key.team, scope: `key:${key.id}`, limitUsd: key.policy.budget_usd, period: key.policy.budget_period });
    if (team.budget_usd) scopes.push({ team: key.team, scope: 'team', limitUsd: team.budget_usd, period: team.budget_period });
    if (scopes.length > 0) {
      const promptTokens = estimatePromptTokens(request);
      const usage = { prompt_tokens: promptTokens, completion_tokens: Math.max(0, tokens - promptTokens), total_tokens: tokens };
      const estimate = this.prices.costMicros(first.model, usage).micros;
      const budget = await this.budgets.reserve(scopes, estimate);
      if (!budget.ok) {
        if (admission.rate) await this.buckets.release(admission.rate);
        throw new GatewayError('budget_exceeded', `The ${budget.scope === 'team' ? "team's" : "key's"} budget of ${budget.limitUsd} USD for this period is spent (${budget.spentUsd.toFixed(6)} USD).`);
      }
      admission.budget = budget.hold;
    }
    return admission;
  }

  /** Gives back what a job that never ran reserved (e.g. it could not be queued). */
  async release(admission: JobAdmission): Promise<void> {
    if (admission.rate) await this.buckets.release(admission.rate);
    if (admission.budget) await this.budgets.settle(admission.budget, 0);
  }
}
