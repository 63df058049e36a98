import type { Redis } from 'ioredis';
import { ACQUIRE_SCRIPT, RECORD_SCRIPT, RELEASE_PROBE_SCRIPT } from './circuit-scripts.js';
import { pipelinePerKey } from '../redis/pipeline-per-key.js';

export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

export interface CircuitPolicy {
  /** Failure rate (0..1) over the window that opens the circuit. */
  failureRate: number;
  /** Calls the window must hold before the rate counts (a single failure must not open it). */
  minRequests: number;
  windowMs: number;
  /** How long an open circuit rejects calls before one half-open probe may go. */
  cooldownMs: number;
}

export type CircuitVerdict = { verdict: 'closed' | 'probe' } | { verdict: 'open'; waitMs: number };

/** Slots per window: the window slides in steps of windowMs / SLOTS. */
const SLOTS = 6;

/**
 * How long a "closed" answer from Redis is trusted by this process without asking again. A closed
 * circuit is the common case, and asking costs a round trip on every call; the price is that a
 * circuit opened by another process is seen here up to this much later (the process that opened it,
 * or saw it open, never trusts a stale "closed": any other answer clears the cache).
 */
export const CLOSED_CACHE_MS = 250;

type Scripted = Redis & {
  syCircuitAcquire(key: string, cooldownMs: string): Promise<[string, number]>;
  syCircuitRecord(key: string, ...argv: string[]): Promise<string>;
  syCircuitReleaseProbe(key: string): Promise<string>;
};

/**
 * A circuit breaker per deployment, shared by every worker through Redis: after too many failures in
 * a sliding window it opens (calls skip to the route's fallback at once), and after a cooldown lets
 * one probe through (half-open) whose outcome closes or re-opens it.
 */
export class CircuitBreakers {
  private readonly redis: Scripted;
  /** Per deployment: when Redis last said "closed" (performance.now() ms). */
  private readonly closedAt = new Map<string, number>();

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly closedCacheMs = CLOSED_CACHE_MS,
  ) {
    this.redis = redis as Scripted;
    if (!('syCircuitAcquire' in redis)) {
      redis.defineCommand('syCircuitAcquire', { numberOfKeys: 1, lua: ACQUIRE_SCRIPT });
      redis.defineCommand('syCircuitRecord', { numberOfKeys: 1, lua: RECORD_SCRIPT });
      redis.defineCommand('syCircuitReleaseProbe', { numberOfKeys: 1, lua: RELEASE_PROBE_SCRIPT });
    }
  }

  key(deployment: string): string {
    return `${this.keyPrefix}:cb:{${deployment}}`;
  }

  async acquire(deployment: string, policy: CircuitPolicy): Promise<CircuitVerdict> {
    const closedAt = this.closedAt.get(deployment);
    if (closedAt !== undefined && performance.now() - closedAt < this.closedCacheMs) return { verdict: 'closed' };
    const [verdict, waitMs] = await this.redis.syCircuitAcquire(this.key(deployment), String(policy.cooldownMs));
    this.remember(deployment, verdict);
    return verdict === 'open' ? { verdict: 'open', waitMs: Number(waitMs) } : { verdict: verdict as 'closed' | 'probe' };
  }

  /** Records a call's outcome; `probe` when the call was the half-open probe. Returns the new state. */
  async record(deployment: string, policy: CircuitPolicy, ok: boolean, probe: boolean): Promise<CircuitState> {
    const state = await this.redis.syCircuitRecord(
      this.key(deployment),
      ok ? 'ok' : 'fail',
      String(Math.max(1, Math.floor(policy.windowMs / SLOTS))),
      String(SLOTS),
      String(policy.minRequests),
      String(policy.failureRate),
      String(policy.cooldownMs),
      probe ? '1' : '0',
    );
    this.remember(deployment, state);
    return state as CircuitState;
  }

  private remember(deployment: string, state: string): void {
    if (state === 'closed' && this.closedCacheMs > 0) this.closedAt.set(deployment, performance.now());
    else this.closedAt.delete(deployment);
  }

  /**
   * The half-open probe's outcome said nothing about health (cancel, bad request, rate limit): its
   * lease is given back without closing or re-opening, so the next call probes again.
   */
  async releaseProbe(deployment: string): Promise<CircuitState> {
    const state = await this.redis.syCircuitReleaseProbe(this.key(deployment));
    this.remember(deployment, state);
    return state as CircuitState;
  }

  /** The current state of each deployment's circuit (for metrics and /readyz). */
  async states(deployments: string[]): Promise<Record<string, CircuitState>> {
    // One pipeline on one node; per key on a cluster (each deployment's circuit has its own slot).
    const replies = await pipelinePerKey(this.redis, deployments.map((d) => this.key(d)), (pipeline, key) => pipeline.hget(key, 'state'));
    return Object.fromEntries(deployments.map((d, i) => [d, ((replies[i]?.[1] as string | null) ?? 'closed') as CircuitState]));
  }
}
