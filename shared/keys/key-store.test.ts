import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { verifyWebhook, webhookHeaders } from '../webhooks/sign-webhook.js';
import { KeyStore, toPublicKey } from './key-store.js';
import { hashVirtualKey } from './virtual-key.js';

const redis = testRedis();
const prefix = testPrefix('keystore');
const keys = new RedisKeys(prefix);
const store = new KeyStore(redis, keys);

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

describe('key store', () => {
  it('keeps every key under the {keys} hash tag', async () => {
    const { record, key } = await store.create({ team: 'tags' });
    expect(await redis.exists(`${prefix}:{keys}:key:${record.id}`, `${prefix}:{keys}:vkey:${hashVirtualKey(key)}`)).toBe(2);
    expect(await redis.sismember(`${prefix}:{keys}:index`, record.id)).toBe(1);
  });

  it('rotates a key: the old secret authenticates during its grace period only, the new one from now on', async () => {
    const now = Date.now();
    const { record, key: oldKey } = await store.create({ team: 'rot' });
    const rotated = await store.rotate(record.id, 60, now);
    expect(rotated!.key).not.toBe(oldKey);
    expect((await store.authenticate(rotated!.key, now))?.id).toBe(record.id);
    expect((await store.authenticate(rotated!.key, now))?.authenticatedUntilMs).toBeUndefined();
    const viaOld = await store.authenticate(oldKey, now + 59_000);
    expect(viaOld?.id).toBe(record.id);
    expect(viaOld?.authenticatedUntilMs).toBe(now + 60_000);
    // Past the grace period the record refuses it, and Redis drops the mapping by its TTL.
    expect(await store.authenticate(oldKey, now + 60_001)).toBeNull();
    const ttl = await redis.pttl(keys.virtualKeyHash(hashVirtualKey(oldKey)));
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(toPublicKey((await store.get(record.id, now))!).previous_key_expires_at).toBe(Math.ceil((now + 60_000) / 1000));
  });

  it('ends the old secret at once with grace 0, and keeps only one old secret across two rotations', async () => {
    const { record, key: first } = await store.create({ team: 'rot0' });
    const second = (await store.rotate(record.id, 0))!.key;
    expect(await store.authenticate(first)).toBeNull();
    const third = (await store.rotate(record.id, 3600))!.key;
    expect((await store.authenticate(second))?.id).toBe(record.id);
    await store.rotate(record.id, 3600);
    expect(await store.authenticate(second)).toBeNull();
    expect((await store.authenticate(third))?.id).toBe(record.id);
    expect(await redis.exists(keys.virtualKeyHash(hashVirtualKey(second)))).toBe(0);
  });

  it('rotates the webhook secret: deliveries are signed with both while the old one is in grace', async () => {
    const now = Date.now();
    const { record } = await store.create({ team: 'whrot' });
    const rotated = (await store.rotateWebhookSecret(record.id, 60, now))!;
    expect(rotated.webhookSecret).not.toBe(record.webhookSecret);
    const during = (await store.get(record.id, now))!;
    expect(during.webhookSecrets).toEqual([rotated.webhookSecret, record.webhookSecret]);
    const body = '{"ok":true}';
    const headers = webhookHeaders({ secret: during.webhookSecrets, msgId: 'msg_1', timestamp: Math.floor(now / 1000), body });
    for (const secret of [record.webhookSecret, rotated.webhookSecret]) {
      expect(verifyWebhook({ secrets: [secret], headers, body, nowSeconds: Math.floor(now / 1000) })).toBe(true);
    }
    expect((await store.get(record.id, now + 61_000))!.webhookSecrets).toEqual([rotated.webhookSecret]);
  });

  it('a disabled key does not authenticate; re-enabled it does again', async () => {
    const { record, key } = await store.create({ team: 'flag' });
    expect((await store.update(record.id, { enabled: false }))?.enabled).toBe(false);
    expect(await store.authenticate(key)).toBeNull();
    expect((await store.update(record.id, { enabled: true, name: 'back' }))?.name).toBe('back');
    expect((await store.authenticate(key))?.enabled).toBe(true);
  });

  it('publishes the key id on every change, so API caches drop it', async () => {
    const { record } = await store.create({ team: 'events' });
    const sub = redis.duplicate();
    const seen: string[] = [];
    await sub.subscribe(keys.keyEvents());
    sub.on('message', (_channel: string, id: string) => seen.push(id));
    await store.rotate(record.id, 10);
    await store.rotateWebhookSecret(record.id, 10);
    await store.update(record.id, { enabled: false });
    await store.revoke(record.id);
    // Listen before publishing: the marker can arrive before `publish` resolves.
    const ended = new Promise<void>((resolve) => sub.on('message', (_c: string, id: string) => id === 'end' && resolve()));
    await redis.publish(keys.keyEvents(), 'end'); // the same connection orders it after the four
    await ended;
    await sub.quit();
    expect(seen.slice(0, 4)).toEqual([record.id, record.id, record.id, record.id]);
  });

  it('revoking a rotated key ends both its secrets', async () => {
    const { record, key: oldKey } = await store.create({ team: 'rev' });
    const newKey = (await store.rotate(record.id, 3600))!.key;
    await store.revoke(record.id);
    expect(await store.authenticate(oldKey)).toBeNull();
    expect(await store.authenticate(newKey)).toBeNull();
    expect(await store.rotate(record.id, 10)).toBeNull();
  });

  it('never puts a secret or a hash of one in the public view', async () => {
    const { record, key } = await store.create({ team: 'pub' });
    const rotated = (await store.rotate(record.id, 60))!;
    const secret = (await store.rotateWebhookSecret(record.id, 60))!.webhookSecret;
    const text = JSON.stringify(toPublicKey((await store.get(record.id))!));
    for (const hidden of [key, rotated.key, hashVirtualKey(key), hashVirtualKey(rotated.key), record.webhookSecret, secret, 'whsec_']) {
      expect(text).not.toContain(hidden);
    }
  });
});
