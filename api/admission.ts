import type { Response } from 'express';
import type { ChatRequest } from '../shared/canonical/chat-request.js';
import type { RouteTarget } from '../shared/config/config-schema.js';
import { GatewayError } from '../shared/errors/gateway-error.js';
import type { KeyRecord } from '../shared/keys/key-store.js';
import type { TeamPolicies } from '../shared/keys/team-policies.js';
import type { GatewayMetrics } from '../shared/metrics/gateway-metrics.js';
import type { ScopeLimits } from '../shared/rate-limit/index.js';
import type { AdmissionGate, AdmitResult } from '../shared/usage/admission-gate.js';
import { admissionEstimate, jobAdmission, ownerLimits } from '../shared/usage/owner-limits.js';
import type { PriceTable } from '../shared/usage/price-table.js';
import type { JobAdmission } from '../shared/jobs/job-record.js';
import { countChatRequest } from './middleware/chat-request-outcome.js';

/**
 * Admission before a job is queued, for the key and its team: the key's expiry and allowed models,
 * then ONE atomic reservation (AdmissionGate, one Lua script) of their RPM/TPM buckets and their USD
 * budgets — all of it or nothing, at the estimated tokens and cost of the route's first target.
 * What it reserves is stored on the job and settled by the worker with the real usage and cost.
 */
export class Admission {
  constructor(
    private readonly teams: TeamPolicies,
    private readonly gate: AdmissionGate,
    private readonly prices: PriceTable,
    /** Output tokens a request may use on a deployment when it sets no max_tokens (the deployment's default). */
    private readonly defaultMaxTokens: (deployment: string) => number,
    /** Counts each admitted or refused request in `switchyard_chat_requests_total`. */
    private readonly metrics?: GatewayMetrics,
  ) {}

  /** Checks the key's own rules; throws 401/403. Cheap: no Redis. */
  checkKey(key: KeyRecord, request: ChatRequest): void {
    if (key.policy.expires_at !== undefined && key.policy.expires_at * 1000 <= Date.now()) throw new GatewayError('invalid_api_key', 'This key has expired.');
    if (key.policy.models && !key.policy.models.includes(request.model)) {
      throw new GatewayError('permission_denied', `This key may not use the model '${request.model}'.`, { param: 'model' });
    }
  }

  /** Reserves rate and budget for a job about to be queued, atomically; throws 429 when either is exhausted. */
  async admit(key: KeyRecord, request: ChatRequest, route: RouteTarget[], res: Response): Promise<JobAdmission> {
    const limits = ownerLimits(key.team, key.id, key.policy, await this.teams.get(key.team));
    if (limits.rate.length === 0 && limits.budgets.length === 0) {
      countChatRequest(this.metrics, res, request.model, key.team, 'queued');
      return {};
    }
    const first = route[0]!;
    const { tokens, estimateMicros } = admissionEstimate(limits, request, first, this.defaultMaxTokens(first.deployment), this.prices);
    const result = await this.gate.admit({ team: key.team, rate: limits.rate, amount: { requests: 1, tokens }, budgets: limits.budgets, estimateMicros });
    countChatRequest(this.metrics, res, request.model, key.team, result.ok ? 'queued' : result.reason);
    if (!result.ok) throw refusal(result, key, limits.rate, res);
    return jobAdmission(result);
  }

  /** Gives back what a job that never ran reserved (e.g. it could not be queued). */
  async release(admission: JobAdmission): Promise<void> {
    await this.gate.release(admission);
  }
}

/** The 429 of a refused admission, with the rate limit headers for a rate refusal. */
function refusal(result: AdmitResult & { ok: false }, key: KeyRecord, rate: readonly ScopeLimits[], res: Response): GatewayError {
  if (result.reason === 'budget_exceeded') {
    return new GatewayError('budget_exceeded', `The ${result.scope === 'team' ? "team's" : "key's"} budget of ${result.limitUsd} USD for this period is spent (${result.spentUsd.toFixed(6)} USD).`);
  }
  const limit = rate.map((l) => l.rpm).filter((n): n is number => n != null);
  if (limit.length) res.setHeader('x-ratelimit-limit-requests', String(Math.min(...limit)));
  if (result.remaining.requests !== null) res.setHeader('x-ratelimit-remaining-requests', String(Math.max(0, result.remaining.requests)));
  if (result.remaining.tokens !== null) res.setHeader('x-ratelimit-remaining-tokens', String(Math.max(0, result.remaining.tokens)));
  const seconds = Math.ceil(result.retryAfterMs / 1000);
  res.setHeader('x-ratelimit-reset-requests', `${seconds}s`);
  return new GatewayError('rate_limited', `Rate limit reached for ${key.policy.rpm || key.policy.tpm ? 'this key or its team' : 'this team'}; retry in ${seconds} s.`, { retryAfterMs: result.retryAfterMs });
}
