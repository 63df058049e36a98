import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** A Redis connection the rate limiter can run scripts on: a single node or a cluster. */
export type RedisLike = Redis | Cluster;

/**
 * One Lua script, run by SHA with a fallback to EVAL when the server does not have it cached
 * (after a restart, a failover or SCRIPT FLUSH), so callers never load scripts up front.
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script; resolves with its raw reply. Throws Redis errors other than NOSCRIPT. */
  async run(redis: RedisLike, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // Redis reports a missing script only by this message prefix; there is no error code field.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
