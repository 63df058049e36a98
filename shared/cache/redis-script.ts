import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** A Redis connection scripts run on: a single node or a cluster. */
export type RedisConnection = Redis | Cluster;

/**
 * One Lua script run by SHA, falling back to EVAL when the server lacks it (restart, failover,
 * SCRIPT FLUSH). Like shared/rate-limit/lua-script.ts, but arguments may be binary (vectors travel as
 * raw little-endian float32 bytes); the lead may merge the two by widening that one's argument type.
 */
export class RedisScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Resolves with the script's raw reply; rejects with any Redis error other than NOSCRIPT. */
  async run(redis: RedisConnection, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // Redis reports a missing script only through this message prefix.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
