import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { KeyStore } from './key-store.js';
import { migrateLegacyKeys } from './legacy-key-migration.js';
import { generateVirtualKey, hashVirtualKey } from './virtual-key.js';

const redis = testRedis();
const prefix = testPrefix('legacykeys');
const keys = new RedisKeys(prefix);

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

/** A key as the store wrote it before the `{keys}` hash tag. */
async function writeLegacy(id: string, revoked: boolean): Promise<string> {
  const key = generateVirtualKey();
  await redis.hset(`${prefix}:key:${id}`, {
    team: 'old', name: id, key_hash: hashVirtualKey(key), webhook_secret: 'whsec_' + Buffer.alloc(32, 1).toString('base64'),
    created_at: '1700000000', revoked_at: revoked ? '1700000001' : '', policy: '{"budget_period":"monthly","rpm":7}',
  });
  if (!revoked) await redis.set(`${prefix}:vkey:${hashVirtualKey(key)}`, id);
  await redis.sadd(`${prefix}:keys`, id);
  return key;
}

describe('legacy key migration', () => {
  it('moves keys to the {keys} names, keeps them working (revoked ones revoked), and removes the old names', async () => {
    const live = await writeLegacy('key_live', false);
    const revoked = await writeLegacy('key_gone', true);
    expect(await migrateLegacyKeys(redis, keys)).toBe(2);
    const store = new KeyStore(redis, keys);
    const record = await store.authenticate(live);
    expect(record).toMatchObject({ id: 'key_live', team: 'old', enabled: true, policy: { rpm: 7 } });
    expect(await store.authenticate(revoked)).toBeNull();
    expect((await store.list()).map((r) => r.id).sort()).toEqual(['key_gone', 'key_live']);
    expect(await redis.exists(`${prefix}:keys`, `${prefix}:key:key_live`, `${prefix}:vkey:${hashVirtualKey(live)}`, `${prefix}:key:key_gone`)).toBe(0);
    expect(await migrateLegacyKeys(redis, keys)).toBe(0);
  });
});
