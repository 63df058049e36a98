import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { RateLimitKeys, type BucketKind, type RateScope } from './bucket-keys.js';
import { BLOCK_SCRIPT, RESERVE_SCRIPT, SETTLE_SCRIPT } from './bucket-scripts.js';
import { LuaScript, type RedisLike } from './lua-script.js';
import { TOUCH_TAG_SCRIPT } from './reaper-scripts.js';
import { reapExpiredReservations } from './reservation-reaper.js';
import type { PeekResult, Remaining, ReserveAmount, ReserveResult, Reservation, ScopeLimits } from './reservation.js';

const reserve = new LuaScript(RESERVE_SCRIPT);
const settle = new LuaScript(SETTLE_SCRIPT);
const block = new LuaScript(BLOCK_SCRIPT);
const touchTag = new LuaScript(TOUCH_TAG_SCRIPT);

const reserveReply = z.tuple([z.number(), z.number(), z.number()]).rest(z.number());

/** A reservation unsettled for this long is presumed orphaned (its holder died) and may be reaped. */
const DEFAULT_HOLD_MS = 10 * 60_000;
/** How long past its deadline an orphan stays reapable; also how long an idle tag stays indexed. */
const DEFAULT_RETENTION_MS = 60 * 60_000;
/** A process re-registers a tag group with the reaper at most this often (far below the retention). */
const TOUCH_EVERY_MS = 60_000;

export interface TokenBucketsOptions {
  /** Default ms a reservation may stay unsettled before the reaper releases it. Default 10 min. */
  readonly holdMs?: number;
  /** Ms an expired reservation stays reapable before it is dropped without refund. Default 1 h. */
  readonly retentionMs?: number;
  /** Tests only: ms time used instead of Redis server time, in every script of this instance. */
  readonly clock?: () => number;
}

interface Plan {
  readonly tag: string;
  readonly blockKeys: string[];
  readonly buckets: Reservation['buckets'];
}

/**
 * Shared RPM/TPM token buckets in Redis, for every worker and API process alike (key contract in
 * bucket-keys.ts, bucket model in bucket-scripts.ts). Reserve before the vendor call with an estimate,
 * then settle with the real usage or release on failure; the reaper releases what dead holders left.
 */
export class TokenBuckets {
  readonly keys: RateLimitKeys;
  private readonly holdMs: number;
  private readonly retentionMs: number;
  private readonly clock: (() => number) | undefined;
  private readonly touchedAt = new Map<string, number>();

  constructor(
    private readonly redis: RedisLike,
    keyPrefix: string,
    options: TokenBucketsOptions = {},
  ) {
    this.keys = new RateLimitKeys(keyPrefix);
    this.holdMs = positive('holdMs', options.holdMs ?? DEFAULT_HOLD_MS);
    this.retentionMs = positive('retentionMs', options.retentionMs ?? DEFAULT_RETENTION_MS);
    this.clock = options.clock;
  }

  /**
   * Atomically takes `amount` from every bucket of `limits` (one RPM and/or TPM bucket per scope), or
   * from none. All scopes must share one tag group (see bucket-keys.ts). Not ok when a bucket is short
   * or a scope is paused; `retryAfterMs` is then exactly the time until all of them would pass.
   * Throws RangeError on invalid limits or amounts, or scopes of different tag groups.
   */
  async reserve(limits: readonly ScopeLimits[], amount: ReserveAmount, options: { holdMs?: number } = {}): Promise<ReserveResult> {
    const plan = this.plan(limits, amount);
    const holdMs = positive('holdMs', options.holdMs ?? this.holdMs);
    const reservation: Reservation = { id: randomUUID(), tag: plan.tag, requests: amount.requests, tokens: amount.tokens, buckets: plan.buckets };
    const [reply] = await Promise.all([
      this.runReserve(plan, amount, 'take', reservation.id, JSON.stringify(reservation), holdMs),
      this.touch(plan.tag),
    ]);
    if (reply.ok) return { ok: true, reservationId: reservation.id, reservation, remaining: reply.remaining };
    return { ok: false, retryAfterMs: reply.retryAfterMs, pausedMs: reply.pausedMs, remaining: reply.remaining };
  }

  /** The wait `reserve` would report now (0 = it would pass), without taking anything. */
  async peek(limits: readonly ScopeLimits[], amount: ReserveAmount): Promise<PeekResult> {
    const { retryAfterMs, pausedMs, remaining } = await this.runReserve(this.plan(limits, amount), amount, 'peek', '', '', this.holdMs);
    return { retryAfterMs, pausedMs, remaining };
  }

  /** Ms the scope stays paused (`block`), by Redis time; 0 when it is not paused. Writes nothing. */
  async pausedMs(scope: RateScope): Promise<number> {
    return (await this.peek([{ scope }], { requests: 0, tokens: 0 })).pausedMs;
  }

  /**
   * Ends a reservation with the vendor's real token usage: TPM buckets get back `tokens - actualTokens`,
   * or are charged the excess (possibly into debt). Resolves false, changing nothing, when the
   * reservation was already settled, released or reaped.
   */
  async settle(reservation: Reservation, actualTokens: number): Promise<boolean> {
    nonNegative('actualTokens', actualTokens);
    return this.finish(reservation, (kind) => (kind === 'tpm' ? reservation.tokens - actualTokens : 0));
  }

  /** Gives a whole reservation back (the vendor was never called). Idempotent like `settle`. */
  async release(reservation: Reservation): Promise<boolean> {
    return this.finish(reservation, (kind) => (kind === 'rpm' ? reservation.requests : reservation.tokens));
  }

  /**
   * Pauses a scope for `pauseMs` (a vendor 429's retry-after) for every process: `reserve` is not ok
   * until then. A shorter pause never cuts a longer one short. Resolves with the ms time it ends.
   */
  async block(scope: RateScope, pauseMs: number): Promise<number> {
    positive('pauseMs', pauseMs);
    const reply = await block.run(this.redis, [this.keys.block(scope)], [this.now(), Math.ceil(pauseMs)]);
    return z.number().parse(reply);
  }

  /**
   * Releases every reservation past its deadline whose holder never settled it, across all tag groups.
   * Safe to run from several processes at once. Resolves with how many this call released.
   */
  async reapExpired(): Promise<number> {
    return reapExpiredReservations({
      redis: this.redis,
      keys: this.keys,
      now: () => this.now(),
      retentionMs: this.retentionMs,
      release: (reservation) => this.release(reservation),
    });
  }

  private now(): string {
    return this.clock ? String(this.clock()) : '';
  }

  private plan(limits: readonly ScopeLimits[], amount: ReserveAmount): Plan {
    nonNegative('requests', amount.requests);
    nonNegative('tokens', amount.tokens);
    const first = limits[0];
    if (!first) throw new RangeError('reserve needs at least one scope');
    const names = new Set<string>();
    const blockKeys: string[] = [];
    const buckets: Plan['buckets'] = [];
    for (const { scope, rpm, tpm } of limits) {
      if (scope.tag !== first.scope.tag) throw new RangeError(`scopes ${first.scope.name} and ${scope.name} are in different tag groups`);
      if (names.has(scope.name)) throw new RangeError(`scope ${scope.name} appears twice`);
      names.add(scope.name);
      blockKeys.push(this.keys.block(scope));
      if (rpm != null) buckets.push({ key: this.keys.bucket(scope, 'rpm'), kind: 'rpm', limit: positive('rpm', rpm) });
      if (tpm != null) buckets.push({ key: this.keys.bucket(scope, 'tpm'), kind: 'tpm', limit: positive('tpm', tpm) });
    }
    return { tag: first.scope.tag, blockKeys, buckets };
  }

  private async runReserve(plan: Plan, amount: ReserveAmount, mode: 'take' | 'peek', id: string, json: string, holdMs: number) {
    const keys = [this.keys.reservations(plan.tag), this.keys.reservationDeadlines(plan.tag), ...plan.blockKeys, ...plan.buckets.map((b) => b.key)];
    const args: (string | number)[] = [this.now(), plan.blockKeys.length, mode, id, json, holdMs, this.retentionMs];
    for (const b of plan.buckets) args.push(b.limit, b.kind === 'rpm' ? amount.requests : amount.tokens);
    const [ok, retryAfterMs, pausedMs, ...levels] = reserveReply.parse(await reserve.run(this.redis, keys, args));
    return { ok: ok === 1, retryAfterMs, pausedMs, remaining: remainingOf(plan.buckets, levels) };
  }

  private async finish(reservation: Reservation, delta: (kind: BucketKind) => number): Promise<boolean> {
    const keys = [this.keys.reservations(reservation.tag), this.keys.reservationDeadlines(reservation.tag), ...reservation.buckets.map((b) => b.key)];
    const args: (string | number)[] = [this.now(), reservation.id];
    for (const b of reservation.buckets) args.push(b.limit, delta(b.kind));
    return (await settle.run(this.redis, keys, args)) === 1;
  }

  /** Registers the tag group with the reaper, at most once per TOUCH_EVERY_MS per process. */
  private async touch(tag: string): Promise<void> {
    const last = this.touchedAt.get(tag);
    const at = performance.now();
    if (last !== undefined && at - last < TOUCH_EVERY_MS) return;
    this.touchedAt.set(tag, at);
    try {
      await touchTag.run(this.redis, [this.keys.tagRegistry()], [this.now(), tag]);
    } catch {
      // The reservation itself is what matters to the caller; an unregistered group only delays
      // reaping of its orphans until the next touch, which this forces by forgetting the attempt.
      this.touchedAt.delete(tag);
    }
  }
}

function remainingOf(buckets: Plan['buckets'], levels: readonly number[]): Remaining {
  let requests: number | null = null;
  let tokens: number | null = null;
  buckets.forEach((b, i) => {
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

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  return value;
}
