import { z } from 'zod';
import type { RateLimitKeys } from './bucket-keys.js';
import { LuaScript, type RedisLike } from './lua-script.js';
import { EXPIRED_SCRIPT, FORGET_TAG_SCRIPT } from './reaper-scripts.js';
import { reservationSchema, type Reservation } from './reservation.js';

const expired = new LuaScript(EXPIRED_SCRIPT);
const forgetTag = new LuaScript(FORGET_TAG_SCRIPT);

const expiredReply = z.tuple([z.number()]).rest(z.string());
const zscanReply = z.tuple([z.string(), z.array(z.string())]);

/** Expired reservations fetched per tag group per round trip. */
const BATCH = 100;

/** What the reaper needs from TokenBuckets. */
export interface ReaperContext {
  readonly redis: RedisLike;
  readonly keys: RateLimitKeys;
  /** ARGV[1] for the scripts: '' for Redis server time, or a test clock's ms. */
  readonly now: () => string;
  /** A registry entry idle this long, with no reservation left in its group, is dropped. */
  readonly retentionMs: number;
  /** The idempotent release of one reservation (false when its holder settled it first). */
  readonly release: (reservation: Reservation) => Promise<boolean>;
}

/**
 * Walks the tag registry and releases every reservation past its deadline. Releasing goes through the
 * same idempotent script as settle, so a slow holder that settles concurrently is counted once, and
 * several reapers may run at once. Resolves with the number of reservations this call released.
 */
export async function reapExpiredReservations(ctx: ReaperContext): Promise<number> {
  const registry = ctx.keys.tagRegistry();
  let released = 0;
  let cursor = '0';
  do {
    // ZSCAN tolerates entries being removed while it walks (FORGET_TAG below).
    const [next, flat] = zscanReply.parse(await ctx.redis.zscan(registry, cursor, 'COUNT', 200));
    cursor = next;
    for (let i = 0; i < flat.length; i += 2) {
      const tag = flat[i];
      if (tag !== undefined) released += await reapTag(ctx, tag);
    }
  } while (cursor !== '0');
  return released;
}

async function reapTag(ctx: ReaperContext, tag: string): Promise<number> {
  const keys = [ctx.keys.reservations(tag), ctx.keys.reservationDeadlines(tag)];
  let released = 0;
  for (;;) {
    const [pending, ...flat] = expiredReply.parse(await expired.run(ctx.redis, keys, [ctx.now(), BATCH]));
    const reservations: Reservation[] = [];
    let unreadable = 0;
    for (let i = 1; i < flat.length; i += 2) {
      const parsed = reservationSchema.safeParse(safeJson(flat[i] ?? ''));
      // An unreadable record cannot be refunded; it stays until the retention trim drops it.
      if (parsed.success) reservations.push(parsed.data);
      else unreadable += 1;
    }
    const results = await Promise.all(reservations.map((r) => ctx.release(r)));
    released += results.filter(Boolean).length;
    // Every listed reservation is gone now (released here or settled by its holder meanwhile).
    if (pending - reservations.length <= 0) {
      await forgetTag.run(ctx.redis, [ctx.keys.tagRegistry()], [ctx.now(), tag, ctx.retentionMs]);
      return released;
    }
    // Stop once a batch came back short (nothing more is expired) or made no progress.
    if (flat.length / 2 < BATCH || reservations.length === 0 || unreadable > 0) return released;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
