import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys.js';
import { generateWebhookSecret } from '../webhooks/webhook-secret.js';
import { digestsEqual, generateVirtualKey, hashVirtualKey } from './virtual-key.js';
import { keyPolicySchema, type KeyPolicy } from './key-policy.js';

/** A virtual key's record, without its plaintext. `webhookSecret` never leaves the server after creation. */
export interface KeyRecord {
  id: string;
  team: string;
  name: string;
  keyHash: string;
  webhookSecret: string;
  createdAt: number;
  revokedAt: number | null;
  policy: KeyPolicy;
}

/** The admin view of a key: no secret of any kind, with its policy. */
export interface PublicKey extends Partial<KeyPolicy> {
  id: string;
  object: 'key';
  team: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}

/**
 * Virtual keys in Redis. Contract: `vkey:<sha256>` → key id; `key:<id>` hash with fields
 * team, name, key_hash, webhook_secret, created_at, revoked_at; `keys` set of ids. Revocation
 * deletes the hash mapping first, so a revoked key cannot authenticate from that moment on.
 */
export class KeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async create(input: { team: string; name?: string; policy?: KeyPolicy }): Promise<{ record: KeyRecord; key: string }> {
    const key = generateVirtualKey();
    const record: KeyRecord = {
      id: `key_${randomBytes(12).toString('hex')}`,
      team: input.team,
      name: input.name ?? '',
      keyHash: hashVirtualKey(key),
      webhookSecret: generateWebhookSecret(),
      createdAt: Math.floor(Date.now() / 1000),
      revokedAt: null,
      policy: input.policy ?? { budget_period: 'monthly' },
    };
    await this.redis
      .multi()
      .hset(this.keys.keyRecord(record.id), {
        team: record.team,
        name: record.name,
        key_hash: record.keyHash,
        webhook_secret: record.webhookSecret,
        created_at: String(record.createdAt),
        revoked_at: '',
        policy: JSON.stringify(record.policy),
      })
      .set(this.keys.virtualKeyHash(record.keyHash), record.id)
      .sadd(this.keys.keyIndex(), record.id)
      .exec();
    return { record, key };
  }

  /** The key record for a presented virtual key, or null when unknown or revoked. */
  async authenticate(presented: string): Promise<KeyRecord | null> {
    const digest = hashVirtualKey(presented);
    const id = await this.redis.get(this.keys.virtualKeyHash(digest));
    if (!id) return null;
    const record = await this.get(id);
    if (!record || record.revokedAt !== null || !digestsEqual(record.keyHash, digest)) return null;
    return record;
  }

  async get(id: string): Promise<KeyRecord | null> {
    const hash = await this.redis.hgetall(this.keys.keyRecord(id));
    if (!hash.key_hash) return null;
    return {
      id,
      team: hash.team ?? '',
      name: hash.name ?? '',
      keyHash: hash.key_hash,
      webhookSecret: hash.webhook_secret ?? '',
      createdAt: Number(hash.created_at),
      revokedAt: hash.revoked_at ? Number(hash.revoked_at) : null,
      policy: keyPolicySchema.parse(hash.policy ? JSON.parse(hash.policy) : {}),
    };
  }

  async list(): Promise<KeyRecord[]> {
    const ids = await this.redis.smembers(this.keys.keyIndex());
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((r): r is KeyRecord => r !== null).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** Revokes a key; false when there is no such key. Publishes the id so API caches drop it. */
  async revoke(id: string): Promise<boolean> {
    const record = await this.get(id);
    if (!record) return false;
    await this.redis
      .multi()
      .del(this.keys.virtualKeyHash(record.keyHash))
      .hset(this.keys.keyRecord(id), 'revoked_at', String(Math.floor(Date.now() / 1000)))
      .publish(this.keys.keyEvents(), id)
      .exec();
    return true;
  }
}

export function toPublicKey(record: KeyRecord): PublicKey {
  return { id: record.id, object: 'key', team: record.team, name: record.name, created_at: record.createdAt, revoked_at: record.revokedAt, ...record.policy };
}
