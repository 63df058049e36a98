import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TOUCH_TAG_SCRIPT } from '../rate-limit/reaper-scripts.js';
import { LuaScript, type RedisLike } from '../rate-limit/lua-script.js';
import type { Remaining, ReserveAmount, Reservation, ScopeLimits, TokenBuckets } from '../rate-limit/index.js';
import { ADMIT_SCRIPT } from './budget-scripts.js';
import type { BudgetHold, BudgetScope, Budgets } from './budgets.js';

const admitScript = new LuaScript(ADMIT_SCRIPT);
const touchTag = new LuaScript(TOUCH_TAG_SCRIPT);
const reply = z.array(z.number()).min(3);

/** What one admission asks for: a key's and its team's rate limits and budgets, all of one team. */
export interface AdmitRequest {
  team: string;
  /** RPM/TPM limits of the key and/or team scopes (shared/rate-limit keyScope/teamScope); may be empty. */
  rate: readonly ScopeLimits[];
  /** What the buckets are charged: 1 request and the estimated tokens. */
  amount: ReserveAmount;
  /** The key's and/or team's budgets; may be empty. */
  budgets: readonly BudgetScope[];
  /** The request's estimated cost, integer micro-dollars. */
  estimateMicros: number;
}

export type AdmitResult =
  | { ok: true; rate: Reservation | null; budget: BudgetHold | null; remaining: Remaining }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number; pausedMs: number; remaining: Remaining }
  | { ok: false; reason: 'budget_exceeded'; scope: string; spentUsd: number; reservedUsd: number; limitUsd: number };

export interface AdmissionGateOptions {
  /**
   * Ms a rate reservation may stay unsettled before the rate limiter's reaper releases it. Default:
   * the budgets' `holdMs` (ADMISSION_HOLD_MS, 24 h), so both holds of an admission live as long as
   * its job may: a job queued past a shorter hold would be refunded and its real usage never charged.
   */
  rateHoldMs?: number;
  /** Ms an expired rate reservation stays reapable. Keep equal to TokenBuckets' retentionMs. Default 1 h. */
  rateRetentionMs?: number;
}

const NO_LIMITS: Remaining = { requests: null, tokens: null };
const TOUCH_EVERY_MS = 60_000;

/**
 * Admission for a key and its team in ONE Redis round trip: budgets and RPM/TPM buckets are checked
 * and reserved together by the ADMIT script (budget-scripts.ts), all or nothing. What it grants is
 * the rate limiter's own `Reservation` (settle/release/reap it with TokenBuckets) and a `BudgetHold`
 * (settle/release it with Budgets), so everything downstream is unchanged.
 */
export class AdmissionGate {
  private readonly rateHoldMs: number;
  private readonly rateRetentionMs: number;
  private readonly touchedAt = new Map<string, number>();

  constructor(
    private readonly redis: RedisLike,
    private readonly buckets: TokenBuckets,
    private readonly budgets: Budgets,
    options: AdmissionGateOptions = {},
  ) {
    this.rateHoldMs = options.rateHoldMs ?? budgets.holdMs;
    this.rateRetentionMs = options.rateRetentionMs ?? 60 * 60_000;
  }

  /** Reserves everything or nothing. Throws RangeError on scopes of another team or invalid amounts. */
  async admit(request: AdmitRequest, now = Date.now()): Promise<AdmitResult> {
    if (request.rate.length === 0 && request.budgets.length === 0) return { ok: true, rate: null, budget: null, remaining: NO_LIMITS };
    const rate = request.rate.length > 0 ? this.ratePlan(request) : null;
    const budget = request.budgets.length > 0 ? this.budgets.plan(request.budgets, request.estimateMicros, now) : null;
    const keys = [...(rate?.keys ?? []), ...(budget?.keys ?? [])];
    const argv = [String(rate?.keys.length ?? 0), String(rate?.argv.length ?? 0), ...(rate?.argv ?? []), ...(budget?.argv ?? [])];
    const [raw] = await Promise.all([
      admitScript.run(this.redis, keys, argv),
      rate ? this.touch(rate.reservation.tag) : null,
      budget ? this.budgets.register(budget.hold, now) : null,
    ]);
    const [status, a, b, ...levels] = reply.parse(raw);
    if (status === 2) return { reason: 'budget_exceeded', ...this.budgets.refusal(request.budgets, [a!, b!, ...levels]) };
    const remaining = rate ? remainingOf(rate.reservation, levels) : NO_LIMITS;
    if (status === 0) return { ok: false, reason: 'rate_limited', retryAfterMs: a!, pausedMs: b!, remaining };
    return { ok: true, rate: rate?.reservation ?? null, budget: budget?.hold ?? null, remaining };
  }

  /** Gives back what an admission granted (the job was never queued, or was cancelled before running). */
  async release(granted: { rate?: Reservation | null; budget?: BudgetHold | null }): Promise<void> {
    await Promise.all([granted.rate ? this.buckets.release(granted.rate) : null, granted.budget ? this.budgets.release(granted.budget) : null]);
  }

  /** The rate limiter RESERVE's KEYS/ARGV (its contract in shared/rate-limit/bucket-scripts.ts). */
  private ratePlan(request: AdmitRequest): { keys: string[]; argv: string[]; reservation: Reservation } {
    const keys = this.buckets.keys;
    const tag = request.rate[0]!.scope.tag;
    const blocks: string[] = [];
    const buckets: Reservation['buckets'] = [];
    for (const { scope, rpm, tpm } of request.rate) {
      if (scope.tag !== tag) throw new RangeError(`scopes ${request.rate[0]!.scope.name} and ${scope.name} are in different tag groups`);
      blocks.push(keys.block(scope));
      if (rpm != null) buckets.push({ key: keys.bucket(scope, 'rpm'), kind: 'rpm', limit: positive('rpm', rpm) });
      if (tpm != null) buckets.push({ key: keys.bucket(scope, 'tpm'), kind: 'tpm', limit: positive('tpm', tpm) });
    }
    if (request.budgets.length > 0 && this.budgets.keys.group(request.team) !== `${keys.prefix}:{rl:${tag}}`) {
      throw new RangeError(`rate scopes (${tag}) and budgets (team ${request.team}) must share the team's tag group`);
    }
    const { requests, tokens } = request.amount;
    if (!(requests >= 0 && tokens >= 0 && Number.isFinite(requests + tokens))) throw new RangeError('requests and tokens must be finite and >= 0');
    const reservation: Reservation = { id: randomUUID(), tag, requests, tokens, buckets };
    const argv = ['', String(blocks.length), 'take', reservation.id, JSON.stringify(reservation), String(this.rateHoldMs), String(this.rateRetentionMs)];
    for (const b of buckets) argv.push(String(b.limit), String(b.kind === 'rpm' ? requests : tokens));
    return { keys: [keys.reservations(tag), keys.reservationDeadlines(tag), ...blocks, ...buckets.map((b) => b.key)], argv, reservation };
  }

  /** Registers the tag group with the rate limiter's reaper, at most once a minute per process (as TokenBuckets does). */
  private async touch(tag: string): Promise<void> {
    const at = performance.now();
    const last = this.touchedAt.get(tag);
    if (last !== undefined && at - last < TOUCH_EVERY_MS) return;
    this.touchedAt.set(tag, at);
    try {
      await touchTag.run(this.redis, [this.buckets.keys.tagRegistry()], ['', tag]);
    } catch {
      this.touchedAt.delete(tag); // the admission stands; reaping of this group's orphans waits for the next touch
    }
  }
}

function remainingOf(reservation: Reservation, levels: readonly number[]): Remaining {
  let requests: number | null = null;
  let tokens: number | null = null;
  reservation.buckets.forEach((b, i) => {
    const level = levels[i] ?? 0;
    if (b.kind === 'rpm') requests = requests === null ? level : Math.min(requests, level);
    else tokens = tokens === null ? level : Math.min(tokens, level);
  });
  return { requests, tokens };
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive finite number, got ${value}`);
  return value;
}
