import type { Redis } from 'ioredis';
import { GatewayError } from '../errors/gateway-error.js';

export interface PageQuery {
  /** Id of the last item of the previous page (OpenAI's cursor). */
  after?: string;
  limit: number;
  order: 'asc' | 'desc';
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

/**
 * A team's ids in creation order (a sorted set scored by a global counter, so scores never tie),
 * paged OpenAI-style with `after` and `limit`. Ids whose record is gone are skipped and dropped.
 */
export class TeamIndex {
  constructor(
    private readonly redis: Redis,
    private readonly indexKey: (team: string) => string,
    private readonly sequenceKey: string,
  ) {}

  /** Adds an id once (re-adding keeps its first place). */
  async add(team: string, id: string): Promise<void> {
    const seq = await this.redis.incr(this.sequenceKey);
    await this.redis.zadd(this.indexKey(team), 'NX', seq, id);
  }

  async remove(team: string, id: string): Promise<void> {
    await this.redis.zrem(this.indexKey(team), id);
  }

  /**
   * One page of records. `load` reads records for ids (null for a missing one); `accept` filters.
   * @throws GatewayError invalid_request when `after` is not one of the team's ids.
   */
  async page<T>(team: string, query: PageQuery, load: (ids: string[]) => Promise<Array<T | null>>, accept: (item: T) => boolean = () => true): Promise<Page<T>> {
    const key = this.indexKey(team);
    let bound: string | null = null;
    if (query.after !== undefined) {
      const score = await this.redis.zscore(key, query.after);
      if (score === null) throw new GatewayError('invalid_request', `No object found with id '${query.after}' to page after.`, { param: 'after' });
      bound = `(${score}`;
    }
    const chunk = Math.max(20, query.limit + 1);
    const items: T[] = [];
    for (;;) {
      const flat =
        query.order === 'desc'
          ? await this.redis.zrevrangebyscore(key, bound ?? '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, chunk)
          : await this.redis.zrangebyscore(key, bound ?? '-inf', '+inf', 'WITHSCORES', 'LIMIT', 0, chunk);
      if (flat.length === 0) break;
      const ids = flat.filter((_, i) => i % 2 === 0);
      const loaded = await load(ids);
      const stale: string[] = [];
      loaded.forEach((item, i) => {
        if (item === null) stale.push(ids[i]!);
        else if (items.length <= query.limit && accept(item)) items.push(item);
      });
      if (stale.length > 0) await this.redis.zrem(key, ...stale);
      if (items.length > query.limit || ids.length < chunk) break;
      bound = `(${flat[flat.length - 1]!}`;
    }
    return { items: items.slice(0, query.limit), hasMore: items.length > query.limit };
  }
}
