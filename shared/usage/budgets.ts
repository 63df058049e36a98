import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { BudgetPeriod } from '../keys/key-policy.js';
import { LuaScript, type RedisLike } from '../rate-limit/lua-script.js';
import { BudgetKeys, budgetPeriod, periodTtlMs, REAPED_RETENTION_MS } from './budget-keys.js';
import { BUDGET_REAP_SCRIPT, BUDGET_RESERVE_SCRIPT, BUDGET_SETTLE_SCRIPT, FORGET_HOLDS_SCRIPT } from './budget-scripts.js';
import { micros, microsToUsd } from './price-table.js';

const reserveScript = new LuaScript(BUDGET_RESERVE_SCRIPT);
const settleScript = new LuaScript(BUDGET_SETTLE_SCRIPT);
const reapScript = new LuaScript(BUDGET_REAP_SCRIPT);
const forgetScript = new LuaScript(FORGET_HOLDS_SCRIPT);
const numbers = z.array(z.number());
const zscanReply = z.tuple([z.string(), z.array(z.string())]);

/**
 * How long an admission's holds (budget holds and the key/team rate reservation) live unsettled
 * before they are presumed orphaned: 24 h, the longest deadline a job may carry (`deadline_ms`).
 * A job with a deadline has ended by then; the worker settles its holds when it ends. See
 * budget-reaper.ts for what happens to a job that outlives its holds.
 */
export const ADMISSION_HOLD_MS = 24 * 3600_000;
/** A process registers a holds key with the reaper at most this often. */
const TOUCH_EVERY_MS = 60_000;
/** A registered holds key without live holds, untouched this long, leaves the registry. */
const FORGET_IDLE_MS = 10 * 60_000;

/** One budget a request is admitted against: a key's or a team's, for its current period. */
export interface BudgetScope {
  team: string;
  /** `key:<id>` or `team`. */
  scope: string;
  limitUsd: number;
  period: BudgetPeriod;
}

/**
 * A granted budget hold; stored on the job (JSON, it outlives deploys) and settled by whoever ends
 * the job. `limitMicros` (absent on holds made before alerts existed) lets the settle detect the
 * 80 % / 100 % thresholds against the limit in force at admission.
 */
export const budgetHoldSchema = z.object({
  id: z.string(),
  team: z.string(),
  estimateMicros: z.number().int().min(0),
  budgets: z.array(z.object({ scope: z.string(), period: z.string(), limitMicros: z.number().int().min(0).optional() })),
});
export type BudgetHold = z.infer<typeof budgetHoldSchema>;

export type BudgetAdmission =
  | { ok: true; hold: BudgetHold }
  | { ok: false; scope: string; spentUsd: number; reservedUsd: number; limitUsd: number };

/**
 * One budget after a settle. `crossed` is the 80 % / 100 % threshold this hold's settle crossed (once
 * per period; reported again when the same hold is settled again, see SETTLE).
 */
export interface SettledBudget {
  scope: string;
  /** The period id: `YYYY-MM-DD`, `YYYY-MM` or `total`. */
  period: string;
  spentUsd: number;
  limitUsd: number | null;
  crossed: 80 | 100 | null;
}

/** What a settle did: `applied` is false when this hold had been settled before (nothing changed). */
export interface BudgetSettlement {
  team: string;
  applied: boolean;
  budgets: SettledBudget[];
}

/**
 * USD budgets per key and per team and UTC period, reserved atomically (all or none) before a job
 * is queued and settled with the real cost when it ends (key contract in budget-keys.ts).
 * Concurrent admissions overshoot a budget at most by the sum of (real − estimated) cost of the
 * requests in flight. Reserve and settle are one script call (one round trip) each.
 */
export class Budgets {
  readonly keys: BudgetKeys;
  private readonly touchedAt = new Map<string, number>();

  constructor(
    private readonly redis: RedisLike,
    prefix: string,
    /** How long a hold lasts unsettled before it is released as orphaned (its holder died). */
    readonly holdMs = ADMISSION_HOLD_MS,
  ) {
    this.keys = new BudgetKeys(prefix);
  }

  /** Holds `estimateMicros` against every scope (all of one team), or refuses naming the first that is short. */
  async reserve(scopes: readonly BudgetScope[], estimateMicros: number, now = Date.now()): Promise<BudgetAdmission> {
    const plan = this.plan(scopes, estimateMicros, now);
    const [raw] = await Promise.all([reserveScript.run(this.redis, plan.keys, plan.argv), this.register(plan.hold, now)]);
    const reply = numbers.parse(raw);
    return reply[0] === 1 ? { ok: true, hold: plan.hold } : this.refusal(scopes, reply.slice(1));
  }

  /**
   * Registers the holds keys of a (planned) hold with the reaper, at most once a minute per key and
   * process. Never throws: an unregistered key only waits for the next admission to release its
   * orphans, and the next call retries.
   */
  async register(hold: BudgetHold, now = Date.now()): Promise<void> {
    const due = hold.budgets.map((b) => this.keys.holds(hold.team, b.scope, b.period)).filter((key) => {
      const last = this.touchedAt.get(key);
      return last === undefined || now - last >= TOUCH_EVERY_MS;
    });
    if (due.length === 0) return;
    for (const key of due) this.touchedAt.set(key, now);
    try {
      await this.redis.zadd(this.keys.holdsRegistry(), ...due.flatMap((key) => [now, key]));
    } catch {
      for (const key of due) this.touchedAt.delete(key);
    }
  }

  /**
   * Releases every registered budget's holds past their expiry (see ADMISSION_HOLD_MS), whoever
   * made them; safe to run from several processes at once (each release happens once, in Lua).
   * Resolves with how many holds this call released.
   */
  async reapExpired(now = Date.now()): Promise<number> {
    const registry = this.keys.holdsRegistry();
    let released = 0;
    let cursor = '0';
    do {
      const [next, flat] = zscanReply.parse(await this.redis.zscan(registry, cursor, 'COUNT', 200));
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) {
        const holds = flat[i]!;
        const [count = 0, live = 0] = numbers.parse(await reapScript.run(this.redis, [holds.slice(0, -':holds'.length), holds], [String(now), String(REAPED_RETENTION_MS)]));
        released += count;
        if (live === 0) await forgetScript.run(this.redis, [registry], [String(now), String(FORGET_IDLE_MS), holds]);
      }
    } while (cursor !== '0');
    return released;
  }

  /**
   * Keys, ARGV and the hold a reservation of `scopes` consists of — for RESERVE here, and for the
   * combined ADMIT script (admission-gate.ts). Throws RangeError on an empty or mixed-team list.
   */
  plan(scopes: readonly BudgetScope[], estimateMicros: number, now: number): { keys: string[]; argv: string[]; hold: BudgetHold } {
    const team = scopes[0]?.team;
    if (team === undefined) throw new RangeError('a budget reservation needs at least one scope');
    if (scopes.some((s) => s.team !== team)) throw new RangeError('budgets of one reservation must belong to one team');
    if (!Number.isInteger(estimateMicros) || estimateMicros < 0) throw new RangeError(`estimateMicros must be an integer >= 0, got ${estimateMicros}`);
    const budgets = scopes.map((s) => ({ scope: s.scope, period: budgetPeriod(s.period, now).id, limitMicros: micros(s.limitUsd) }));
    const hold: BudgetHold = { id: randomUUID(), team, estimateMicros, budgets };
    const keys = budgets.flatMap((b) => [this.keys.budget(team, b.scope, b.period), this.keys.holds(team, b.scope, b.period)]);
    const argv = [String(now), String(now + this.holdMs), hold.id, String(estimateMicros), String(REAPED_RETENTION_MS)];
    for (const b of budgets) argv.push(String(b.limitMicros), String(periodTtlMs(b.period)));
    return { keys, argv, hold };
  }

  /** The refusal for a RESERVE/ADMIT reply tail {index, spent, reserved, limit}. */
  refusal(scopes: readonly BudgetScope[], tail: number[]): BudgetAdmission & { ok: false } {
    const scope = scopes[(tail[0] ?? 1) - 1]!;
    return { ok: false, scope: scope.scope, spentUsd: microsToUsd(tail[1] ?? 0), reservedUsd: microsToUsd(tail[2] ?? 0), limitUsd: scope.limitUsd };
  }

  /**
   * Replaces a hold by the real cost, also when an admission already released it as orphaned (up
   * to REAPED_RETENTION_MS later). Idempotent per hold: a second settle (a replayed worker, or a
   * cancel racing an end) changes nothing and reports `applied: false`.
   */
  async settle(hold: BudgetHold, actualMicros: number, now = Date.now()): Promise<BudgetSettlement> {
    const keys: string[] = [];
    const argv = [String(now), hold.id, String(hold.estimateMicros), String(Math.max(0, Math.round(actualMicros)))];
    for (const b of hold.budgets) {
      keys.push(this.keys.budget(hold.team, b.scope, b.period), this.keys.holds(hold.team, b.scope, b.period));
      argv.push(String(b.limitMicros ?? 0), String(periodTtlMs(b.period)));
    }
    const reply = numbers.parse(await settleScript.run(this.redis, keys, argv));
    return {
      team: hold.team,
      applied: hold.budgets.some((_, i) => reply[3 * i] === 1),
      budgets: hold.budgets.map((b, i) => {
        const crossed = reply[3 * i + 2];
        return { scope: b.scope, period: b.period, spentUsd: microsToUsd(reply[3 * i + 1] ?? 0), limitUsd: b.limitMicros ? microsToUsd(b.limitMicros) : null, crossed: crossed === 80 || crossed === 100 ? crossed : null };
      }),
    };
  }

  /** Gives a hold back unspent (the job never reached a vendor). Idempotent like `settle`. */
  release(hold: BudgetHold): Promise<BudgetSettlement> {
    return this.settle(hold, 0);
  }

  /** Spend and live holds of one budget in the period `now` falls in, USD (expired holds not counted). */
  async state(team: string, scope: string, period: BudgetPeriod, now = Date.now()): Promise<{ spentUsd: number; reservedUsd: number }> {
    const id = budgetPeriod(period, now).id;
    const [values, expired] = await Promise.all([
      this.redis.hmget(this.keys.budget(team, scope, id), 'spent', 'reserved'),
      this.redis.zrangebyscore(this.keys.holds(team, scope, id), 0, now),
    ]);
    const stale = expired.reduce((sum, member) => sum + Number(member.slice(member.lastIndexOf(':') + 1)), 0);
    return { spentUsd: microsToUsd(Number(values[0] ?? 0)), reservedUsd: microsToUsd(Math.max(0, Number(values[1] ?? 0) - stale)) };
  }
}
