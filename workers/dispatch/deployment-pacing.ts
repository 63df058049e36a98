import type { DeploymentConfig } from '../../shared/config/config-schema.js';
import type { ChatRequest } from '../../shared/canonical/chat-request.js';
import type { Usage } from '../../shared/canonical/chat-response.js';
import { deploymentScope, estimateRequestTokens, type Reservation, type TokenBuckets } from '../../shared/rate-limit/index.js';

export type Admission = { ok: true; reservation: Reservation | null } | { ok: false; waitMs: number };

/**
 * Paces vendor calls to each deployment's RPM/TPM with the shared token buckets: reserve the
 * request and its estimated tokens before the call, settle with the vendor's real usage after
 * (or release when the call never reached the vendor), and pause the deployment for every worker
 * when the vendor itself says it is rate limited.
 */
export class DeploymentPacing {
  constructor(
    private readonly buckets: TokenBuckets,
    private readonly deployments: Record<string, DeploymentConfig>,
  ) {}

  /** Tokens a request may use on a deployment: prompt (real tokenizer) plus its output allowance. */
  estimate(request: ChatRequest, deployment: string): number {
    return estimateRequestTokens(request, this.deployments[deployment]?.defaultMaxTokens ?? 4096);
  }

  async acquire(deployment: string, tokens: number): Promise<Admission> {
    const config = this.deployments[deployment];
    if (!config || (!config.rpm && !config.tpm)) return { ok: true, reservation: null };
    const result = await this.buckets.reserve([{ scope: deploymentScope(deployment), rpm: config.rpm, tpm: config.tpm }], { requests: 1, tokens });
    return result.ok ? { ok: true, reservation: result.reservation } : { ok: false, waitMs: Math.max(1, result.retryAfterMs) };
  }

  /** The call reached the vendor: charge what it really used (the request slot stays spent). */
  async settle(reservation: Reservation | null, usage: Usage | null | undefined): Promise<void> {
    if (reservation) await this.buckets.settle(reservation, usage?.total_tokens ?? 0);
  }

  /** The call never reached the vendor: give everything back. */
  async release(reservation: Reservation | null): Promise<void> {
    if (reservation) await this.buckets.release(reservation);
  }

  /** The vendor said "wait": every worker of this deployment waits that long. */
  async pause(deployment: string, ms: number): Promise<void> {
    if (ms > 0) await this.buckets.block(deploymentScope(deployment), ms);
  }

  reapExpired(): Promise<number> {
    return this.buckets.reapExpired();
  }
}

/** Thrown by the processor when the deployment's bucket is short; the pool turns it into BullMQ's rate limit. */
export class RateLimitSignal extends Error {
  constructor(readonly waitMs: number) {
    super(`rate limited for ${waitMs} ms`);
    this.name = 'RateLimitSignal';
  }
}
