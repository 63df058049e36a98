import { createHash } from 'node:crypto';

/**
 * Every Redis key the cache writes, built in one place (the lead may fold these into
 * shared/redis/redis-keys.ts). `p` is the prefix passed in by the caller.
 *
 * Contract:
 * - `<p>:cache:x:<tenantHash>:<requestHash>`  string: exact-tier entry, JSON {v, response, expiresAtMs}, TTL
 * - `<p>:cache:v:{<collection>}:seq`          string: change counter of one embedded vector collection
 * - `<p>:cache:v:{<collection>}:log`          zset: entry id -> seq of its last change (upsert or delete)
 * - `<p>:cache:v:{<collection>}:exp`          zset: live entry id -> expiresAtMs
 * - `<p>:cache:v:{<collection>}:tomb`         zset: deleted entry id -> deletion time ms (log pruning)
 * - `<p>:cache:v:{<collection>}:e:<id>`       hash: one entry {scope, tenant, th, exp, vec, payload}, TTL
 * - `<p>:cache:v:{<collection>}:t:<tenantHash>` set: live entry ids of one tenant (for purge)
 * The `{<collection>}` hash tag keeps one collection's keys in one Redis Cluster slot, so its Lua
 * scripts (embedded-vector-scripts.ts) may touch them together.
 */
export class CacheKeys {
  constructor(readonly prefix: string) {}

  exact(tenantHash: string, requestHash: string): string {
    return `${this.prefix}:cache:x:${tenantHash}:${requestHash}`;
  }

  /** SCAN MATCH pattern for every exact-tier entry of one tenant. */
  exactPattern(tenantHash: string): string {
    return `${escapeGlob(this.prefix)}:cache:x:${tenantHash}:*`;
  }

  /** Base of one embedded vector collection; the suffixes above are appended to it. */
  vectorBase(collection: string): string {
    return `${this.prefix}:cache:v:{${collection}}`;
  }

  vectorEntry(collection: string, id: string): string {
    return `${this.vectorBase(collection)}:e:${id}`;
  }

  vectorTenant(collection: string, tenantHash: string): string {
    return `${this.vectorBase(collection)}:t:${tenantHash}`;
  }
}

/** Short stable hash of a tenant name: safe in key names and SCAN patterns whatever the team id holds. */
export function tenantHash(tenant: string): string {
  return createHash('sha256').update(tenant).digest('hex').slice(0, 32);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
