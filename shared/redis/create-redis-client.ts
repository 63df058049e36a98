import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseHostPort, type RedisConfig } from './redis-config.js';

/** A connection to a standalone Redis, a Sentinel-managed primary (both `Redis`) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** Options every connection gets; BullMQ refuses connections with any `maxRetriesPerRequest` but null. */
const BASE_OPTIONS = { maxRetriesPerRequest: null, enableReadyCheck: true } satisfies RedisOptions;

/**
 * Builds the client the `redis:` configuration describes: `new Redis(url)`, `new Redis({ sentinels })`
 * (ioredis asks the sentinels for the primary and follows failovers), or `new Cluster(nodes)` reading
 * from primaries only (a replica may not have the job record a worker just wrote yet). Every
 * connection, including the ones BullMQ duplicates from it, has `maxRetriesPerRequest: null`.
 * Only entry points call this. `extra` is merged into the per-node options (e.g. `lazyConnect`).
 */
export function createRedisClient(config: RedisConfig, extra: RedisOptions = {}): RedisClient {
  if (config.cluster) {
    const { nodes, username, password, tls, keepHostnames, retryDelayOnFailoverMs } = config.cluster;
    const options: ClusterOptions = {
      redisOptions: { ...BASE_OPTIONS, username, password, tls: tls ? {} : undefined, ...extra },
      scaleReads: 'master',
      enableReadyCheck: true,
      lazyConnect: extra.lazyConnect ?? false,
      retryDelayOnFailover: retryDelayOnFailoverMs,
      // TLS certificates name the announced host, not its address: hand the name through unresolved.
      ...(keepHostnames ? { dnsLookup: (address: string, callback: (err: Error | null, address: string) => void) => callback(null, address) } : {}),
    };
    return new Cluster(nodes.map(parseHostPort), options);
  }
  if (config.sentinel) {
    const s = config.sentinel;
    return new Redis({
      ...BASE_OPTIONS,
      sentinels: s.sentinels.map(parseHostPort),
      name: s.name,
      role: 'master',
      username: s.username,
      password: s.password,
      sentinelUsername: s.sentinelUsername,
      sentinelPassword: s.sentinelPassword,
      db: s.db,
      tls: s.tls ? {} : undefined,
      sentinelTLS: s.tls ? {} : undefined,
      enableTLSForSentinelMode: s.tls,
      ...extra,
    });
  }
  return new Redis(config.url, { ...BASE_OPTIONS, ...extra });
}

/**
 * The client under the `Redis` type that most modules are still declared with. This is sound for
 * what they use: commands, Lua (EVALSHA/EVAL and `defineCommand`), MULTI and pipelines whose keys
 * share a slot, pub/sub, `duplicate()` and `quit()` — a `Cluster` has each with the same signature
 * (test/deploy/redis-cluster.test.ts runs the gateway on a real cluster through it). Modules that
 * take `RedisClient` need no such view; widen the rest, then delete this.
 */
export function asRedis(client: RedisClient): Redis {
  return client as Redis;
}

/** A one-line description of where the client connects, without credentials (for start-up logs). */
export function describeRedis(config: RedisConfig): string {
  if (config.cluster) return `Redis Cluster via ${config.cluster.nodes.join(', ')}`;
  if (config.sentinel) return `Redis Sentinel primary '${config.sentinel.name}' via ${config.sentinel.sentinels.join(', ')}`;
  const url = new URL(config.url);
  url.username = '';
  url.password = '';
  return `Redis at ${url.toString()}`;
}
