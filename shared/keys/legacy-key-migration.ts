import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys.js';

/**
 * Moves virtual keys written before the key store's keys got the `{keys}` hash tag to their new
 * names. Legacy names (read here only): `<p>:keys` (set of ids), `<p>:key:<id>` (record hash),
 * `<p>:vkey:<sha256>` (id). Each key is copied in one MULTI on the new names (one slot), then its
 * legacy keys are deleted one by one, so a crash in between is repaired by running again. A key
 * that already exists under the new name is not overwritten (it may have changed since).
 * Run once at start by every API process; cheap when there is nothing left to move.
 * @returns how many keys were moved.
 */
export async function migrateLegacyKeys(redis: Redis, keys: RedisKeys): Promise<number> {
  const legacyIndex = `${keys.prefix}:keys`;
  let moved = 0;
  for (const id of await redis.smembers(legacyIndex)) {
    const legacyRecord = `${keys.prefix}:key:${id}`;
    const hash = await redis.hgetall(legacyRecord);
    if (hash.key_hash && (await redis.exists(keys.keyRecord(id))) === 0) {
      const tx = redis.multi().hset(keys.keyRecord(id), hash).sadd(keys.keyIndex(), id);
      if (!hash.revoked_at) tx.set(keys.virtualKeyHash(hash.key_hash), id);
      await tx.exec();
      moved += 1;
    }
    if (hash.key_hash) await redis.del(`${keys.prefix}:vkey:${hash.key_hash}`);
    await redis.del(legacyRecord);
    await redis.srem(legacyIndex, id);
  }
  return moved;
}
