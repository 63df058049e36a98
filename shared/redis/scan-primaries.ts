import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './create-redis-client.js';

/**
 * Every key matching a SCAN `MATCH` pattern, page by page (SCAN's guarantees: a key present for the
 * whole scan is returned at least once). A cluster client's SCAN reaches only one node, so on a
 * cluster every primary is scanned in turn.
 */
export async function* scanPrimaries(redis: RedisClient, pattern: string, count = 1000): AsyncGenerator<string[]> {
  const nodes: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}
