import { z } from 'zod';
import { CacheKeys, tenantHash } from './cache-keys.js';
import type { CacheScope } from './cache-scope.js';
import type { RedisConnection } from './redis-script.js';
import { pipelinePerKey } from '../redis/pipeline-per-key.js';
import { scanPrimaries } from '../redis/scan-primaries.js';

/** Exact-tier value: JSON in a Redis string. `v` lets a later format coexist with this one. */
const exactValue = z.object({ v: z.literal(1), expiresAtMs: z.number(), response: z.record(z.string(), z.unknown()) });

/**
 * The exact tier: one Redis string per (tenant, request hash) with a TTL. The expiry is also stored
 * in the value and checked against the injected clock, so expiry is testable without waiting and a
 * value is never served late even if Redis evicts lazily.
 */
export class ExactTier {
  readonly #redis: RedisConnection;
  readonly #keys: CacheKeys;

  constructor(redis: RedisConnection, keyPrefix: string) {
    this.#redis = redis;
    this.#keys = new CacheKeys(keyPrefix);
  }

  /** The stored response, or undefined when absent, expired or unreadable. */
  async get(scope: CacheScope, nowMs: number): Promise<Record<string, unknown> | undefined> {
    const raw = await this.#redis.get(this.#keys.exact(scope.tenantHash, scope.requestHash));
    if (raw === null) return undefined;
    const parsed = exactValue.safeParse(safeJson(raw));
    return parsed.success && parsed.data.expiresAtMs > nowMs ? parsed.data.response : undefined;
  }

  async set(scope: CacheScope, response: Record<string, unknown>, nowMs: number, ttlMs: number): Promise<void> {
    const value = JSON.stringify({ v: 1, expiresAtMs: nowMs + ttlMs, response });
    await this.#redis.set(this.#keys.exact(scope.tenantHash, scope.requestHash), value, 'PX', ttlMs);
  }

  /**
   * Deletes every entry of a tenant; returns how many. SCANs every primary (a cluster client's SCAN
   * sees one node) and unlinks key by key on a cluster (one tenant's entries span slots).
   */
  async purge(tenant: string): Promise<number> {
    let removed = 0;
    for await (const keys of scanPrimaries(this.#redis, this.#keys.exactPattern(tenantHash(tenant)))) {
      for (const [err, count] of await pipelinePerKey(this.#redis, keys, (pipeline, key) => pipeline.unlink(key))) {
        if (err) throw err;
        removed += Number(count);
      }
    }
    return removed;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
