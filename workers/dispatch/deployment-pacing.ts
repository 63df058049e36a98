import type { DeploymentConfig } from '../../shared/config/config-schema.js';
import type { ChatRequest } from '../../shared/canonical/chat-request.js';
import type { Usage } from '../../shared/canonical/chat-response.js';
import type { PauseNotices } from './pause-notices.js';
import { deploymentScope, estimateRequestTokens, type Reservation, type TokenBuckets } from '../../shared/rate-limit/index.js';

/** `paused`: the wait is a pause the vendor asked for (a 429), not this deployment's own RPM/TPM pacing. */
export type Admission = { ok: true; reservation: Reservation | null } | { ok: false; waitMs: number; paused: boolean };

/**
 * How long this process trusts what it last read of an unpaced deployment's pause. Pauses this
 * process writes apply here at once, and other processes hear of them at once through PauseNotices;
 * the re-read only covers a notice lost to a pub/sub reconnect it did not notice. It bounds the
 * cost of honouring pauses on deployments without RPM/TPM limits to one Redis call per deployment
 * per this interval, however many jobs run.
 */
const DEFAULT_PAUSE_RECHECK_MS = 1000;

export interface DeploymentPacingOptions {
  /** Ms a read of an unpaced deployment's pause is reused. Default 1000. */
  readonly pauseRecheckMs?: number;
  /** Where this process announces the pauses it writes, so other processes skip reading them. */
  readonly notices?: Pick<PauseNotices, 'publish'>;
}

interface KnownPause {
  /** Local ms time until which the deployment is paused (0 or past: not paused). */
  untilMs: number;
  /** performance.now() of the read (or write) this is from. */
  checkedAt: number;
  /** A read under way, shared by every job that needs it. */
  reading?: Promise<number>;
}

/**
 * Paces vendor calls to each deployment's RPM/TPM with the shared token buckets: reserve the
 * request and its estimated tokens before the call, settle with the vendor's real usage after
 * (or release when the call never reached the vendor), and pause the deployment for every worker
 * when the vendor itself says it is rate limited.
 *
 * Pauses hold on every deployment. A paced one checks its pause in the same script that reserves
 * from its buckets; an unpaced one (no rpm/tpm) has no script to ride on, so its pause is read at
 * most once per `pauseRecheckMs` per process and remembered until it ends. Pauses announced by
 * other processes (`heard`) are remembered the same way, without a read.
 */
export class DeploymentPacing {
  private readonly pauses = new Map<string, KnownPause>();
  private readonly pauseRecheckMs: number;
  private readonly notices: DeploymentPacingOptions['notices'];

  constructor(
    private readonly buckets: TokenBuckets,
    private readonly deployments: Record<string, DeploymentConfig>,
    options: DeploymentPacingOptions = {},
  ) {
    this.pauseRecheckMs = options.pauseRecheckMs ?? DEFAULT_PAUSE_RECHECK_MS;
    this.notices = options.notices;
  }

  /** Tokens a request may use on a deployment: prompt (real tokenizer) plus its output allowance. */
  estimate(request: ChatRequest, deployment: string): number {
    return estimateRequestTokens(request, this.deployments[deployment]?.defaultMaxTokens ?? 4096);
  }

  /**
   * Tokens to reserve from the deployment's own bucket (the `tokens` of its queue jobs): the full
   * estimate when it has a TPM limit, else 0 without running the tokenizer (nothing would use it).
   */
  bucketTokens(request: ChatRequest, deployment: string): number {
    return this.deployments[deployment]?.tpm ? this.estimate(request, deployment) : 0;
  }

  /**
   * The admission when it needs no Redis call (no such deployment, a pause this process knows of, or
   * an unpaced deployment whose pause was read recently), else undefined: then call `acquire`. Lets
   * the common case go on without yielding, so the attempt's START goes out before anything else the
   * event loop has queued.
   */
  acquireNow(deployment: string): Admission | undefined {
    const config = this.deployments[deployment];
    if (!config) return { ok: true, reservation: null };
    const known = this.knownPauseMs(deployment);
    if (known > 0) return { ok: false, waitMs: known, paused: true };
    if (config.rpm || config.tpm) return undefined;
    const read = this.pauses.get(deployment);
    return read && performance.now() - read.checkedAt < this.pauseRecheckMs ? { ok: true, reservation: null } : undefined;
  }

  async acquire(deployment: string, tokens: number): Promise<Admission> {
    const config = this.deployments[deployment];
    if (!config) return { ok: true, reservation: null };
    // A pause this process knows of costs no Redis call.
    const known = this.knownPauseMs(deployment);
    if (known > 0) return { ok: false, waitMs: known, paused: true };
    if (!config.rpm && !config.tpm) {
      const pausedMs = await this.unpacedPauseMs(deployment);
      return pausedMs > 0 ? { ok: false, waitMs: Math.ceil(pausedMs), paused: true } : { ok: true, reservation: null };
    }
    const result = await this.buckets.reserve([{ scope: deploymentScope(deployment), rpm: config.rpm, tpm: config.tpm }], { requests: 1, tokens });
    if (result.ok) return { ok: true, reservation: result.reservation };
    if (result.pausedMs > 0) this.remember(deployment, result.pausedMs);
    return { ok: false, waitMs: Math.max(1, result.retryAfterMs), paused: result.pausedMs > 0 };
  }

  /** The call reached the vendor: charge what it really used (the request slot stays spent). */
  async settle(reservation: Reservation | null, usage: Usage | null | undefined): Promise<void> {
    if (reservation) await this.buckets.settle(reservation, usage?.total_tokens ?? 0);
  }

  /** The call never reached the vendor: give everything back. */
  async release(reservation: Reservation | null): Promise<void> {
    if (reservation) await this.buckets.release(reservation);
  }

  /** The vendor said "wait": every worker of this deployment waits that long (this process at once). */
  async pause(deployment: string, ms: number): Promise<void> {
    if (ms <= 0) return;
    this.remember(deployment, ms);
    await this.buckets.block(deploymentScope(deployment), ms);
    // After the block is in Redis, so a process that hears of it and re-reads finds it.
    await this.notices?.publish(deployment, ms);
  }

  /** Another process announced a pause it wrote (PauseNotices): it applies here at once, as if read. */
  heard(deployment: string, ms: number): void {
    if (ms > 0 && deployment in this.deployments) this.remember(deployment, ms);
  }

  /**
   * Notices may have been lost (the subscription was down): the next job of each unpaced deployment
   * reads its pause from Redis again. A pause already known still holds until it ends.
   */
  forgetReads(): void {
    for (const known of this.pauses.values()) known.checkedAt = -Infinity;
  }

  reapExpired(): Promise<number> {
    return this.buckets.reapExpired();
  }

  private knownPauseMs(deployment: string): number {
    const known = this.pauses.get(deployment);
    return known ? Math.max(0, known.untilMs - Date.now()) : 0;
  }

  private remember(deployment: string, pausedMs: number): void {
    const untilMs = Date.now() + Math.ceil(pausedMs);
    const known = this.pauses.get(deployment);
    if (!known) return void this.pauses.set(deployment, { untilMs, checkedAt: performance.now() });
    // A shorter pause never cuts a longer one short (as in the BLOCK script).
    known.untilMs = Math.max(known.untilMs, untilMs);
    known.checkedAt = performance.now();
  }

  /** The pause of an unpaced deployment, read from Redis when the last read is older than the recheck interval. */
  private unpacedPauseMs(deployment: string): Promise<number> {
    const known = this.pauses.get(deployment);
    if (known && performance.now() - known.checkedAt < this.pauseRecheckMs) return Promise.resolve(this.knownPauseMs(deployment));
    if (known?.reading) return known.reading;
    const entry: KnownPause = known ?? { untilMs: 0, checkedAt: -Infinity };
    this.pauses.set(deployment, entry);
    const reading = this.buckets.pausedMs(deploymentScope(deployment)).then(
      (pausedMs) => {
        entry.reading = undefined;
        entry.checkedAt = performance.now();
        entry.untilMs = Math.max(entry.untilMs, Date.now() + pausedMs);
        return pausedMs;
      },
      (err: unknown) => {
        entry.reading = undefined;
        throw err;
      },
    );
    entry.reading = reading;
    return reading;
  }
}

/** Thrown by the processor when the deployment's bucket is short; the pool turns it into BullMQ's rate limit. */
export class RateLimitSignal extends Error {
  constructor(readonly waitMs: number) {
    super(`rate limited for ${waitMs} ms`);
    this.name = 'RateLimitSignal';
  }
}
