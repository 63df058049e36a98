import type { ChatRequest } from '../canonical/chat-request.js';
import type { RouteTarget, SwitchyardConfig } from '../config/config-schema.js';
import type { JobAdmission } from '../jobs/job-record.js';
import type { KeyStore } from '../keys/key-store.js';
import type { TeamPolicies } from '../keys/team-policies.js';
import type { AdmissionGate } from '../usage/admission-gate.js';
import { admissionEstimate, jobAdmission, ownerLimits, type OwnerLimits } from '../usage/owner-limits.js';
import { micros, type PriceTable } from '../usage/price-table.js';

/**
 * What admitting one line decided:
 * - `admitted`: the reservations to store on the line's job (its worker settles them when it ends);
 * - `wait`: the key's or team's RPM/TPM is used up, or the budget is full only because of requests
 *   still in flight (their holds may settle below their estimates): try this line again later;
 * - `refused`: the key's or team's budget for this period is spent: the line fails `budget_exceeded`.
 */
export type LineAdmissionResult =
  | { kind: 'admitted'; admission: JobAdmission }
  | { kind: 'wait'; retryAfterMs: number }
  | { kind: 'refused'; code: 'budget_exceeded'; message: string };

/** How long a line waits for in-flight holds to settle before it is offered to the budget again. */
const BUDGET_WAIT_MS = 1000;

/**
 * Admission of batch lines against the batch owner's key and team, with the same primitives and the
 * same reservation as an API request (AdmissionGate: RPM/TPM buckets and USD budgets in one atomic
 * step, at the estimated cost of the route's first target), so batch spend counts against the team's
 * budget and its `spent_usd`. Unlike an API request, a line over its rate limit is not refused: the
 * runner submits it on a later tick.
 */
export class LineAdmission {
  constructor(
    private readonly gate: AdmissionGate,
    private readonly teams: TeamPolicies,
    private readonly keyStore: KeyStore,
    private readonly prices: PriceTable,
    private readonly deployments: SwitchyardConfig['deployments'],
  ) {}

  /**
   * The limits in force for the batch's key and team. A key deleted since the batch was created
   * contributes no limits of its own; its team's still apply.
   */
  async limitsFor(owner: { team: string; keyId: string }): Promise<OwnerLimits> {
    const [team, key] = await Promise.all([this.teams.get(owner.team), this.keyStore.get(owner.keyId)]);
    return ownerLimits(owner.team, owner.keyId, key?.policy, team);
  }

  /** Reserves one line's request and estimated tokens and cost, or says to wait or to fail it. */
  async admit(limits: OwnerLimits, request: ChatRequest, route: readonly RouteTarget[]): Promise<LineAdmissionResult> {
    if (limits.rate.length === 0 && limits.budgets.length === 0) return { kind: 'admitted', admission: {} };
    const first = route[0]!;
    const { tokens, estimateMicros } = admissionEstimate(limits, request, first, this.deployments[first.deployment]?.defaultMaxTokens ?? 4096, this.prices);
    const result = await this.gate.admit({ team: limits.team, rate: limits.rate, amount: { requests: 1, tokens }, budgets: limits.budgets, estimateMicros });
    if (result.ok) return { kind: 'admitted', admission: jobAdmission(result) };
    if (result.reason === 'rate_limited') return { kind: 'wait', retryAfterMs: Math.max(1, result.retryAfterMs) };
    const spent = micros(result.spentUsd);
    const limit = micros(result.limitUsd);
    // Full only because of holds in flight: those settle (usually below their estimates) as lines end.
    if (spent < limit && spent + estimateMicros <= limit) return { kind: 'wait', retryAfterMs: BUDGET_WAIT_MS };
    const whose = result.scope === 'team' ? "team's" : "key's";
    return {
      kind: 'refused',
      code: 'budget_exceeded',
      message: `The ${whose} budget of ${result.limitUsd} USD for this period is spent (${result.spentUsd.toFixed(6)} USD); this request was not run.`,
    };
  }

  /** Gives back what a line that never ran reserved (it was cancelled in its queue, or never written). */
  release(admission: JobAdmission): Promise<void> {
    return this.gate.release(admission);
  }
}
