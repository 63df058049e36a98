import type { Redis } from 'ioredis';
import { ACQUIRE_SCRIPT, RECORD_SCRIPT } from './circuit-scripts.js';

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

type Scripted = Redis & {
  syCircuitAcquire(key: string, cooldownMs: string): Promise<[string, number]>;
  syCircuitRecord(key: string, ...argv: string[]): Promise<string>;
};

/**
 * A circuit breaker per deployment, shared by every worker through Redis: after too many failures in
 * a sliding window it opens (calls skip to the route's fallback at once), and after a cooldown lets
 * one probe through (half-open) whose outcome closes or re-opens it.
 */
export class CircuitBreakers {
  private readonly redis: Scripted;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    this.redis = redis as Scripted;
    if (!('syCircuitAcquire' in redis)) {
      redis.defineCommand('syCircuitAcquire', { numberOfKeys: 1, lua: ACQUIRE_SCRIPT });
      redis.defineCommand('syCircuitRecord', { numberOfKeys: 1, lua: RECORD_SCRIPT });
    }
  }

  key(deployment: string): string {
    return `${this.keyPrefix}:cb:{${deployment}}`;
  }

  async acquire(deployment: string, policy: CircuitPolicy): Promise<CircuitVerdict> {
    const [verdict, waitMs] = await this.redis.syCircuitAcquire(this.key(deployment), String(policy.cooldownMs));
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
    return state as CircuitState;
  }

  /** The current state of each deployment's circuit (for metrics and /readyz). */
  async states(deployments: string[]): Promise<Record<string, CircuitState>> {
    const pipeline = this.redis.pipeline();
    for (const d of deployments) pipeline.hget(this.key(d), 'state');
    const replies = (await pipeline.exec()) ?? [];
    return Object.fromEntries(deployments.map((d, i) => [d, ((replies[i]?.[1] as string | null) ?? 'closed') as CircuitState]));
  }
}
