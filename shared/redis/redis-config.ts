import { z } from 'zod';

/**
 * The `redis:` section of the configuration: one standalone Redis (`url`), a Redis Cluster
 * (`cluster`) or a Sentinel-managed primary (`sentinel`) — exactly one of the three; `url` and its
 * default apply when neither of the others is set. Passwords belong in `${VAR}` references, which
 * the loader expands from the environment.
 */

/** Default of `redis.url` when no topology is configured. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** `host:port`, the host a name, IPv4 address or bracketed IPv6 address. */
const hostPort = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]/@]+):\d{1,5}$/, 'use host:port (IPv6 as [addr]:port)');

export const clusterConfigSchema = z
  .object({
    /** Seed nodes (`host:port`); the client discovers the rest of the cluster from any of them. */
    nodes: z.array(hostPort).min(1),
    /** ACL user of every node (Redis 6+); unset: the default user. */
    username: z.string().min(1).optional(),
    /** Password of every node. */
    password: z.string().min(1).optional(),
    /** TLS to every node. */
    tls: z.boolean().default(false),
    /**
     * Connect to the host names the cluster announces instead of resolving them first: needed when
     * TLS certificates name the host (AWS ElastiCache / MemoryDB with in-transit encryption).
     */
    keepHostnames: z.boolean().default(false),
    /** How long a command waits while the cluster redirects or fails over before it fails, ms. */
    retryDelayOnFailoverMs: z.number().int().positive().default(200),
  })
  .strict();
export type ClusterConfig = z.infer<typeof clusterConfigSchema>;

export const sentinelConfigSchema = z
  .object({
    /** Sentinels to ask for the current primary (`host:port`). */
    sentinels: z.array(hostPort).min(1),
    /** The monitored primary's name (`sentinel monitor <name> ...`). */
    name: z.string().min(1),
    /** ACL user and password of the data nodes. */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** ACL user and password of the sentinels themselves (often none). */
    sentinelUsername: z.string().min(1).optional(),
    sentinelPassword: z.string().min(1).optional(),
    /** Logical database on the primary. */
    db: z.number().int().min(0).default(0),
    /** TLS to the data nodes and to the sentinels. */
    tls: z.boolean().default(false),
  })
  .strict();
export type SentinelConfig = z.infer<typeof sentinelConfigSchema>;

export const redisConfigSchema = z
  .object({
    /** Standalone Redis (`redis://` or `rediss://` URL, credentials and db in it). Default: redis://127.0.0.1:6379. */
    url: z.string().min(1).optional(),
    /** Prefix of every key Switchyard writes (BullMQ queues included). */
    keyPrefix: z.string().regex(/^[A-Za-z0-9_-]+$/).default('sy'),
    cluster: clusterConfigSchema.optional(),
    sentinel: sentinelConfigSchema.optional(),
  })
  .strict()
  .superRefine((redis, ctx) => {
    const set = (['url', 'cluster', 'sentinel'] as const).filter((field) => redis[field] !== undefined);
    if (set.length > 1) {
      ctx.addIssue({ code: 'custom', message: `set only one of url, cluster or sentinel (found ${set.join(' and ')}; REDIS_URL sets url)` });
    }
  })
  .transform((redis): RedisConfig => {
    if (redis.cluster) return { keyPrefix: redis.keyPrefix, cluster: redis.cluster };
    if (redis.sentinel) return { keyPrefix: redis.keyPrefix, sentinel: redis.sentinel };
    return { keyPrefix: redis.keyPrefix, url: redis.url ?? DEFAULT_REDIS_URL };
  });

/** The parsed `redis:` section: exactly one of `url`, `cluster`, `sentinel` is set. */
export type RedisConfig = { keyPrefix: string } & (
  | { url: string; cluster?: undefined; sentinel?: undefined }
  | { cluster: ClusterConfig; url?: undefined; sentinel?: undefined }
  | { sentinel: SentinelConfig; url?: undefined; cluster?: undefined }
);

/** A parsed `host:port` as ioredis takes it (brackets of an IPv6 address removed). */
export function parseHostPort(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const host = value.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(value.slice(colon + 1)) };
}
