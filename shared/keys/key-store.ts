import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys.js';
import { generateWebhookSecret } from '../webhooks/webhook-secret.js';
import { digestsEqual, generateVirtualKey, hashVirtualKey } from './virtual-key.js';
import type { KeyPolicy } from './key-policy.js';
import { parseKeyRecord, type KeyRecord } from './key-record.js';

export { toPublicKey, type KeyRecord, type PublicKey } from './key-record.js';

/** What `update` may change; each field absent = unchanged. `policy` replaces the whole policy. */
export interface KeyChanges {
  enabled?: boolean;
  name?: string;
  policy?: KeyPolicy;
}

/**
 * Virtual keys in Redis. Contract: `<p>:{keys}:vkey:<sha256>` → key id (a rotated-out secret's
 * mapping expires with its grace period); `<p>:{keys}:key:<id>` the record hash (key-record.ts);
 * `<p>:{keys}:index` the set of ids. All three share the `{keys}` hash tag, so every MULTI here is
 * one cluster slot. Revocation deletes the hash mappings first, so a revoked key cannot
 * authenticate from that moment on. Every change publishes the key id on the key events channel,
 * so API processes drop their cached authentication of it at once.
 */
export class KeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async create(input: { team: string; name?: string; policy?: KeyPolicy }): Promise<{ record: KeyRecord; key: string }> {
    const key = generateVirtualKey();
    const webhookSecret = generateWebhookSecret();
    const record: KeyRecord = {
      id: `key_${randomBytes(12).toString('hex')}`,
      team: input.team,
      name: input.name ?? '',
      keyHash: hashVirtualKey(key),
      webhookSecret,
      webhookSecrets: [webhookSecret],
      enabled: true,
      createdAt: Math.floor(Date.now() / 1000),
      revokedAt: null,
      policy: input.policy ?? { budget_period: 'monthly' },
      previousKey: null,
      previousWebhookSecretExpiresMs: null,
    };
    await this.redis
      .multi()
      .hset(this.keys.keyRecord(record.id), {
        team: record.team,
        name: record.name,
        key_hash: record.keyHash,
        webhook_secret: record.webhookSecret,
        enabled: '1',
        created_at: String(record.createdAt),
        revoked_at: '',
        policy: JSON.stringify(record.policy),
      })
      .set(this.keys.virtualKeyHash(record.keyHash), record.id)
      .sadd(this.keys.keyIndex(), record.id)
      .exec();
    return { record, key };
  }

  /**
   * The key record for a presented virtual key, or null when unknown, revoked, disabled, or a
   * rotated-out secret past its grace period. For a rotated-out secret the record carries
   * `authenticatedUntilMs`.
   */
  async authenticate(presented: string, nowMs = Date.now()): Promise<KeyRecord | null> {
    const digest = hashVirtualKey(presented);
    const id = await this.redis.get(this.keys.virtualKeyHash(digest));
    if (!id) return null;
    const record = await this.get(id, nowMs);
    if (!record || record.revokedAt !== null || !record.enabled) return null;
    if (digestsEqual(record.keyHash, digest)) return record;
    // The mapping's TTL already ends the grace period; the record's own expiry guards against clock skew and a stale mapping.
    if (record.previousKey && digestsEqual(record.previousKey.hash, digest)) return { ...record, authenticatedUntilMs: record.previousKey.expiresMs };
    return null;
  }

  async get(id: string, nowMs = Date.now()): Promise<KeyRecord | null> {
    return parseKeyRecord(id, await this.redis.hgetall(this.keys.keyRecord(id)), nowMs);
  }

  async list(): Promise<KeyRecord[]> {
    const ids = await this.redis.smembers(this.keys.keyIndex());
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((r): r is KeyRecord => r !== null).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /**
   * Gives a key a new secret. The current one keeps authenticating for `graceSeconds` (0: stops at
   * once); a secret rotated out earlier and still in grace stops at once — only one old secret is
   * ever valid. Null when there is no such live (unrevoked) key.
   */
  async rotate(id: string, graceSeconds: number, nowMs = Date.now()): Promise<{ record: KeyRecord; key: string } | null> {
    const record = await this.get(id, nowMs);
    if (!record || record.revokedAt !== null) return null;
    const key = generateVirtualKey();
    const keyHash = hashVirtualKey(key);
    const graceMs = Math.round(graceSeconds * 1000);
    const tx = this.redis.multi();
    if (record.previousKey) tx.del(this.keys.virtualKeyHash(record.previousKey.hash));
    if (graceMs > 0) tx.set(this.keys.virtualKeyHash(record.keyHash), id, 'PX', graceMs);
    else tx.del(this.keys.virtualKeyHash(record.keyHash));
    tx.set(this.keys.virtualKeyHash(keyHash), id);
    tx.hset(this.keys.keyRecord(id), {
      key_hash: keyHash,
      prev_key_hash: graceMs > 0 ? record.keyHash : '',
      prev_key_expires_ms: graceMs > 0 ? String(nowMs + graceMs) : '',
    });
    tx.publish(this.keys.keyEvents(), id);
    await tx.exec();
    return { record: (await this.get(id, nowMs))!, key };
  }

  /**
   * Gives a key a new webhook signing secret; during `graceSeconds` deliveries are signed with both
   * (Standard Webhooks: several `v1,` signatures). Null when there is no such live key.
   */
  async rotateWebhookSecret(id: string, graceSeconds: number, nowMs = Date.now()): Promise<{ record: KeyRecord; webhookSecret: string } | null> {
    const record = await this.get(id, nowMs);
    if (!record || record.revokedAt !== null) return null;
    const webhookSecret = generateWebhookSecret();
    const graceMs = Math.round(graceSeconds * 1000);
    await this.redis
      .multi()
      .hset(this.keys.keyRecord(id), {
        webhook_secret: webhookSecret,
        prev_webhook_secret: graceMs > 0 ? record.webhookSecret : '',
        prev_webhook_secret_expires_ms: graceMs > 0 ? String(nowMs + graceMs) : '',
      })
      .publish(this.keys.keyEvents(), id)
      .exec();
    return { record: (await this.get(id, nowMs))!, webhookSecret };
  }

  /** Changes the enabled flag, name or policy; takes effect on every API process at once. Null when there is no such live key. */
  async update(id: string, changes: KeyChanges): Promise<KeyRecord | null> {
    const record = await this.get(id);
    if (!record || record.revokedAt !== null) return null;
    const fields: Record<string, string> = {};
    if (changes.enabled !== undefined) fields.enabled = changes.enabled ? '1' : '0';
    if (changes.name !== undefined) fields.name = changes.name;
    if (changes.policy !== undefined) fields.policy = JSON.stringify(changes.policy);
    if (Object.keys(fields).length > 0) {
      await this.redis.multi().hset(this.keys.keyRecord(id), fields).publish(this.keys.keyEvents(), id).exec();
    }
    return this.get(id);
  }

  /** Revokes a key; false when there is no such key. Publishes the id so API caches drop it. */
  async revoke(id: string): Promise<boolean> {
    const record = await this.get(id);
    if (!record) return false;
    const tx = this.redis.multi().del(this.keys.virtualKeyHash(record.keyHash));
    if (record.previousKey) tx.del(this.keys.virtualKeyHash(record.previousKey.hash));
    await tx
      .hset(this.keys.keyRecord(id), 'revoked_at', String(Math.floor(Date.now() / 1000)))
      .publish(this.keys.keyEvents(), id)
      .exec();
    return true;
  }
}
