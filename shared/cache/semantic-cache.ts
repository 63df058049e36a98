import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { settingsForAlias, type CacheConfig } from './cache-config.js';
import type { CacheRequest } from './cache-request.js';
import { computeCacheScope, resolveTenant, semanticScopeHash, type CacheContext } from './cache-scope.js';
import type { Embedder } from './embedder.js';
import { EmbeddingMemo } from './embedding-memo.js';
import { ExactTier } from './exact-tier.js';
import { checkNearMiss } from './near-miss-guard.js';
import type { RedisConnection } from './redis-script.js';
import { checkSemanticEligibility } from './semantic-eligibility.js';
import type { VectorStore } from './vector-store.js';

export const CACHE_STATUSES = ['hit-exact', 'hit-semantic', 'miss', 'bypass'] as const;
/** Value of the `x-switchyard-cache` response header. */
export type CacheStatus = (typeof CACHE_STATUSES)[number];

/** A chat.completion object as returned to clients; stored and served as it is. */
export type CachedResponse = Record<string, unknown>;

export interface CacheLookupResult {
  readonly status: CacheStatus;
  readonly response?: CachedResponse;
  /** Cosine similarity of a semantic hit (header `x-switchyard-cache-similarity`). */
  readonly similarity?: number;
  /** Why it was a bypass or a semantic miss, for logs and metrics (e.g. `too-many-turns`, `near-miss:negation`). */
  readonly reason?: string;
}

export interface SemanticCacheOptions {
  readonly redis: RedisConnection;
  /** Prefix of every key (see cache-keys.ts). */
  readonly keyPrefix: string;
  readonly embedder: Embedder;
  /** Must hold vectors of `embedder` only (one collection per embedding model). */
  readonly vectorStore: VectorStore;
  readonly config: CacheConfig;
  /** Clock, epoch ms. */
  readonly now?: () => number;
  /** Expired vectors are swept at most this often, from store() (0 disables). */
  readonly sweepIntervalMs?: number;
  /** Receives errors of the background sweep (nothing else runs in the background). */
  readonly onBackgroundError?: (error: unknown) => void;
}

/** Semantic-tier vector payload. */
const semanticPayload = z.object({ v: z.literal(1), text: z.string(), response: z.record(z.string(), z.unknown()) });

/**
 * The two-tier response cache consulted before a job is enqueued: an exact tier (Redis string per
 * request hash, with TTL) and a semantic tier (nearest prompt in the same scope above a similarity
 * threshold, confirmed by the near-miss guard). Entries never cross tenants or scopes
 * (cache-scope.ts); which requests may use the semantic tier is decided by semantic-eligibility.ts.
 */
export class SemanticCache {
  readonly #exact: ExactTier;
  readonly #store: VectorStore;
  readonly #memo: EmbeddingMemo;
  readonly #config: CacheConfig;
  readonly #now: () => number;
  readonly #sweepIntervalMs: number;
  readonly #onBackgroundError: (error: unknown) => void;
  #lastSweepMs: number;

  constructor(options: SemanticCacheOptions) {
    this.#exact = new ExactTier(options.redis, options.keyPrefix);
    this.#store = options.vectorStore;
    this.#memo = new EmbeddingMemo(options.embedder);
    this.#config = options.config;
    this.#now = options.now ?? Date.now;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.#onBackgroundError = options.onBackgroundError ?? (() => undefined);
    this.#lastSweepMs = this.#now();
  }

  /**
   * Looks a request up: exact tier first, then the semantic tier. Throws RangeError for a threshold
   * outside 0..1 (validate the header at the route); rejects if Redis, the embedder or the store fails.
   */
  async lookup(request: CacheRequest, ctx: CacheContext): Promise<CacheLookupResult> {
    if (ctx.threshold !== undefined && !(ctx.threshold >= 0 && ctx.threshold <= 1)) {
      throw new RangeError(`cache threshold must be within 0..1, got ${ctx.threshold}`);
    }
    if (ctx.noCache === true) return { status: 'bypass', reason: 'no-cache' };
    const tenant = resolveTenant(ctx, this.#config.sharedNamespaces);
    if (tenant === null) return { status: 'bypass', reason: 'namespace-not-shared' };
    const settings = settingsForAlias(this.#config, ctx.modelAlias);
    if (!settings.exact.enabled && !settings.semantic.enabled) return { status: 'bypass', reason: 'disabled' };
    const scope = computeCacheScope(request, tenant, ctx.modelAlias);

    if (settings.exact.enabled) {
      const response = await this.#exact.get(scope, this.#now());
      if (response !== undefined) return { status: 'hit-exact', response };
    }

    const eligibility = checkSemanticEligibility(request, settings.semantic);
    if (!eligibility.eligible) {
      return { status: settings.exact.enabled ? 'miss' : 'bypass', reason: eligibility.reason };
    }
    const vector = await this.#memo.embed(eligibility.queryText);
    const semanticScope = semanticScopeHash(scope.scopeHash, eligibility.exactContext);
    const threshold = ctx.threshold ?? settings.semantic.threshold;
    const candidates = await this.#store.search(semanticScope, vector, settings.semantic.candidates, threshold);
    let rejected: string | undefined;
    for (const candidate of candidates) {
      const payload = semanticPayload.safeParse(candidate.payload);
      if (!payload.success) continue;
      if (settings.semantic.guard) {
        const verdict = checkNearMiss(eligibility.queryText, payload.data.text);
        if (verdict.verdict === 'different') {
          rejected ??= `near-miss:${verdict.reason}`;
          continue;
        }
      }
      return { status: 'hit-semantic', response: payload.data.response, similarity: candidate.score };
    }
    return { status: 'miss', reason: rejected };
  }

  /**
   * Stores a complete, successful answer in both tiers (each if enabled and, for the semantic tier,
   * if the request is eligible). `ttlSeconds` overrides the configured TTLs (header
   * `x-switchyard-cache-ttl`). Resolves with the tiers written.
   */
  async store(
    request: CacheRequest,
    ctx: CacheContext,
    response: CachedResponse,
    ttlSeconds?: number,
  ): Promise<{ exact: boolean; semantic: boolean }> {
    if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
      throw new RangeError(`cache TTL must be a positive whole number of seconds, got ${ttlSeconds}`);
    }
    const tenant = resolveTenant(ctx, this.#config.sharedNamespaces);
    if (tenant === null) return { exact: false, semantic: false };
    const settings = settingsForAlias(this.#config, ctx.modelAlias);
    const scope = computeCacheScope(request, tenant, ctx.modelAlias);
    const now = this.#now();
    const written = { exact: false, semantic: false };

    if (settings.exact.enabled) {
      await this.#exact.set(scope, response, now, (ttlSeconds ?? settings.exact.ttlSeconds) * 1000);
      written.exact = true;
    }

    const eligibility = checkSemanticEligibility(request, settings.semantic);
    if (eligibility.eligible) {
      const vector = await this.#memo.embed(eligibility.queryText);
      await this.#store.upsert([
        {
          id: randomUUID(),
          scope: semanticScopeHash(scope.scopeHash, eligibility.exactContext),
          tenant,
          vector,
          payload: { v: 1, text: eligibility.queryText, response },
          expiresAtMs: now + (ttlSeconds ?? settings.semantic.ttlSeconds) * 1000,
        },
      ]);
      written.semantic = true;
      this.#maybeSweep(now);
    }
    return written;
  }

  /**
   * Removes every entry of a team and/or a namespace from both tiers. Throws if neither is given.
   * The exact tier is found by SCAN (see ExactTier.purge).
   */
  async purge(target: { team?: string; namespace?: string }): Promise<{ exact: number; semantic: number }> {
    const tenants = [
      ...(target.team !== undefined ? [`team:${target.team}`] : []),
      ...(target.namespace !== undefined ? [`ns:${target.namespace}`] : []),
    ];
    if (tenants.length === 0) throw new Error('purge needs a team or a namespace');
    const removed = { exact: 0, semantic: 0 };
    for (const tenant of tenants) {
      removed.exact += await this.#exact.purge(tenant);
      removed.semantic += await this.#store.purge(tenant);
    }
    return removed;
  }

  /** Deletes expired semantic entries now; returns how many. (store() also does this periodically.) */
  async sweep(): Promise<number> {
    this.#lastSweepMs = this.#now();
    return await this.#store.expire();
  }

  #maybeSweep(now: number): void {
    if (this.#sweepIntervalMs <= 0 || now - this.#lastSweepMs < this.#sweepIntervalMs) return;
    this.sweep().catch(this.#onBackgroundError);
  }
}
