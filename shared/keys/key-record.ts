import { keyPolicySchema, type KeyPolicy } from './key-policy.js';

/**
 * A virtual key's record, without its plaintext. `webhookSecret` never leaves the server after
 * creation (or after a webhook secret rotation, which shows the new one once).
 *
 * Redis contract (`<p>:{keys}:key:<id>` hash, built in shared/redis/redis-keys.ts):
 * - team, name, created_at (unix s), revoked_at (unix s or ""), policy (KeyPolicy JSON)
 * - enabled: "1" or "0" (absent = enabled: records written before the flag existed)
 * - key_hash: SHA-256 hex of the current secret; prev_key_hash and prev_key_expires_ms (unix ms):
 *   the secret rotated out, accepted until then ("" when none)
 * - webhook_secret: the current `whsec_` signing secret, stored as is (HMAC needs the key itself,
 *   so it cannot be hashed); prev_webhook_secret and prev_webhook_secret_expires_ms: the rotated-out
 *   one, which co-signs deliveries until then
 */
export interface KeyRecord {
  id: string;
  team: string;
  name: string;
  keyHash: string;
  /** The current signing secret; `webhookSecrets` lists every one valid now (sign with all). */
  webhookSecret: string;
  /** Current first, then the rotated-out one while its grace period lasts. */
  webhookSecrets: string[];
  enabled: boolean;
  createdAt: number;
  revokedAt: number | null;
  policy: KeyPolicy;
  /** The rotated-out key secret: its hash and until when (unix ms) it still authenticates. */
  previousKey: { hash: string; expiresMs: number } | null;
  /** The rotated-out webhook secret's grace end, unix ms (null: none in grace). */
  previousWebhookSecretExpiresMs: number | null;
  /**
   * Set only on a record returned by `authenticate` for a rotated-out secret: the moment (unix ms)
   * that secret stops working, so caches of the authentication must not outlive it.
   */
  authenticatedUntilMs?: number;
}

/** The admin view of a key: no secret of any kind (nor a hash of one), with its policy. */
export interface PublicKey extends Partial<KeyPolicy> {
  id: string;
  object: 'key';
  team: string;
  name: string;
  enabled: boolean;
  created_at: number;
  revoked_at: number | null;
  /** Unix seconds until which the rotated-out key secret still authenticates (absent: none). */
  previous_key_expires_at?: number;
  /** Unix seconds until which the rotated-out webhook secret still co-signs deliveries. */
  previous_webhook_secret_expires_at?: number;
}

/** Parses a key record hash (HGETALL); null when there is no such key. `now` decides which grace periods are over. */
export function parseKeyRecord(id: string, hash: Record<string, string>, nowMs = Date.now()): KeyRecord | null {
  if (!hash.key_hash) return null;
  const prevKeyExpires = Number(hash.prev_key_expires_ms || 0);
  const prevSecretExpires = Number(hash.prev_webhook_secret_expires_ms || 0);
  const secretInGrace = hash.prev_webhook_secret && prevSecretExpires > nowMs ? hash.prev_webhook_secret : null;
  const webhookSecret = hash.webhook_secret ?? '';
  return {
    id,
    team: hash.team ?? '',
    name: hash.name ?? '',
    keyHash: hash.key_hash,
    webhookSecret,
    webhookSecrets: secretInGrace ? [webhookSecret, secretInGrace] : [webhookSecret],
    enabled: hash.enabled !== '0',
    createdAt: Number(hash.created_at),
    revokedAt: hash.revoked_at ? Number(hash.revoked_at) : null,
    policy: keyPolicySchema.parse(hash.policy ? JSON.parse(hash.policy) : {}),
    previousKey: hash.prev_key_hash && prevKeyExpires > nowMs ? { hash: hash.prev_key_hash, expiresMs: prevKeyExpires } : null,
    previousWebhookSecretExpiresMs: secretInGrace ? prevSecretExpires : null,
  };
}

export function toPublicKey(record: KeyRecord): PublicKey {
  return {
    id: record.id,
    object: 'key',
    team: record.team,
    name: record.name,
    enabled: record.enabled,
    created_at: record.createdAt,
    revoked_at: record.revokedAt,
    ...record.policy,
    ...(record.previousKey ? { previous_key_expires_at: Math.ceil(record.previousKey.expiresMs / 1000) } : {}),
    ...(record.previousWebhookSecretExpiresMs !== null ? { previous_webhook_secret_expires_at: Math.ceil(record.previousWebhookSecretExpiresMs / 1000) } : {}),
  };
}
