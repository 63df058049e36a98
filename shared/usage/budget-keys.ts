import { periodId, type BudgetPeriod } from '../keys/key-policy.js';
import { teamScope } from '../rate-limit/index.js';

/**
 * Redis keys of USD budgets, built in one place. They live in the rate limiter's tag group of the
 * team, `{rl:team:<team>}` (shared/rate-limit/bucket-keys.ts), so one admission script can reserve a
 * key's and its team's RPM/TPM buckets AND their budgets atomically on one Redis Cluster slot. The
 * cost: all of one team's limiter and budget keys sit in one slot, bounded by the team's own traffic.
 *
 * Contract (`<g>` = `<p>:{rl:team:<team>}`, amounts in integer micro-dollars):
 * - `<g>:budget:<scope>:<period id>`        hash {spent, reserved, alerted:80, alerted:100}. `scope` is
 *    `team` or `key:<key id>`; `period id` is `YYYY-MM-DD` (daily), `YYYY-MM` (monthly) or `total`
 *    (UTC), so a new period starts from a fresh hash. `alerted:<n>` holds `<ms time>:<hold id>`: when
 *    the n % threshold alert fired (once per period) and whose settle fired it. TTL: 35 days (daily), 400 days (monthly), none (total).
 * - `<g>:budget:<scope>:<period id>:holds`  zset: member `<hold id>:<µ$>`. Score > 0: a live hold, the
 *    ms time after which it is presumed orphaned and released (by the worker-role reaper, or by the
 *    next admission against that budget, whichever comes first). Score < 0: a released orphan,
 *    −(ms time of release), kept REAPED_RETENTION_MS so a late settle still charges it. A settled
 *    hold is removed, so settling it again changes nothing.
 */
export class BudgetKeys {
  constructor(readonly prefix: string) {}

  /** The team's tag group; throws RangeError for a team name with braces or spaces. */
  group(team: string): string {
    return `${this.prefix}:{rl:${teamScope(team).tag}}`;
  }

  budget(team: string, scope: string, period: string): string {
    return `${this.group(team)}:budget:${scope}:${period}`;
  }

  holds(team: string, scope: string, period: string): string {
    return `${this.budget(team, scope, period)}:holds`;
  }

  /**
   * `<p>:budget-holds` zset: member a holds key (above), score the ms time an admitting process last
   * touched it (each process at most once a minute per key). The worker-role reaper walks it.
   */
  holdsRegistry(): string {
    return `${this.prefix}:budget-holds`;
  }

}

/** How long a hold released as orphaned stays settleable (its job may still end and be charged). */
export const REAPED_RETENTION_MS = 7 * 86_400_000;

/** The budget period id a moment falls in and the TTL of its keys (0: none). */
export function budgetPeriod(period: BudgetPeriod, ms: number): { id: string; ttlMs: number } {
  return { id: periodId(period, ms), ttlMs: periodTtlMs(periodId(period, ms)) };
}

/** TTL of a budget's keys by its period id: a closed period stays readable a while, `total` forever. */
export function periodTtlMs(id: string): number {
  if (id === 'total') return 0;
  return id.length === 10 ? 35 * 86_400_000 : 400 * 86_400_000;
}
