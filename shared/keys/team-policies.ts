import type { Redis } from 'ioredis';
import { generateWebhookSecret } from '../webhooks/webhook-secret.js';
import { teamPolicySchema, type TeamPolicy } from './key-policy.js';

/**
 * Team-wide policies (`PUT /admin/teams/{team}`) and the secret that signs a team's budget alerts.
 * Contract: `<p>:team:<team>` holds the policy JSON (TeamPolicy); `<p>:team:<team>:alert-secret`
 * is a hash {secret, prev_secret, prev_expires_ms}: the current `whsec_` signing secret (stored as
 * is: HMAC needs the key itself) and the rotated-out one, which co-signs until prev_expires_ms
 * (unix ms). Team names cannot contain `:`, so the two never collide. Policy reads are cached
 * briefly per process; a change applies everywhere within `cacheMs`.
 */
export class TeamPolicies {
  private readonly cache = new Map<string, { policy: TeamPolicy; until: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly cacheMs = 5000,
  ) {}

  async get(team: string): Promise<TeamPolicy> {
    const cached = this.cache.get(team);
    if (cached && cached.until > Date.now()) return cached.policy;
    const raw = await this.redis.get(this.policyKey(team));
    const policy = teamPolicySchema.parse(raw ? JSON.parse(raw) : {});
    this.cache.set(team, { policy, until: Date.now() + this.cacheMs });
    return policy;
  }

  async set(team: string, policy: TeamPolicy): Promise<void> {
    await this.redis.set(this.policyKey(team), JSON.stringify(policy));
    this.cache.delete(team);
  }

  /** Creates the team's alert signing secret unless it has one; resolves with it only when it was created now (shown once). */
  async ensureAlertSecret(team: string): Promise<string | null> {
    const secret = generateWebhookSecret();
    return (await this.redis.hsetnx(this.alertSecretKey(team), 'secret', secret)) === 1 ? secret : null;
  }

  /** A new alert signing secret; the old one co-signs alerts for `graceSeconds` more (0: not at all). */
  async rotateAlertSecret(team: string, graceSeconds: number, nowMs = Date.now()): Promise<string> {
    const secret = generateWebhookSecret();
    const previous = await this.redis.hget(this.alertSecretKey(team), 'secret');
    const graceMs = Math.round(graceSeconds * 1000);
    const inGrace = previous !== null && graceMs > 0;
    await this.redis.hset(this.alertSecretKey(team), { secret, prev_secret: inGrace ? previous : '', prev_expires_ms: inGrace ? String(nowMs + graceMs) : '' });
    return secret;
  }

  /** Every secret that signs the team's alerts now: the current one first, then one in grace; empty when none was ever created. */
  async alertSecrets(team: string, nowMs = Date.now()): Promise<string[]> {
    const [secret, previous, expires] = await this.redis.hmget(this.alertSecretKey(team), 'secret', 'prev_secret', 'prev_expires_ms');
    if (!secret) return [];
    return previous && Number(expires) > nowMs ? [secret, previous] : [secret];
  }

  private policyKey(team: string): string {
    return `${this.prefix}:team:${team}`;
  }

  private alertSecretKey(team: string): string {
    return `${this.prefix}:team:${team}:alert-secret`;
  }
}
