import type { Redis } from 'ioredis';
import { limitsSchema, type Limits } from './key-policy.js';

/**
 * Team-wide limits (`PUT /admin/teams/{team}`): `<p>:team:<team>` holds the JSON. Reads are
 * cached briefly per process; a change applies everywhere within `cacheMs`.
 */
export class TeamPolicies {
  private readonly cache = new Map<string, { limits: Limits; until: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly cacheMs = 5000,
  ) {}

  async get(team: string): Promise<Limits> {
    const cached = this.cache.get(team);
    if (cached && cached.until > Date.now()) return cached.limits;
    const raw = await this.redis.get(`${this.prefix}:team:${team}`);
    const limits = limitsSchema.parse(raw ? JSON.parse(raw) : {});
    this.cache.set(team, { limits, until: Date.now() + this.cacheMs });
    return limits;
  }

  async set(team: string, limits: Limits): Promise<void> {
    await this.redis.set(`${this.prefix}:team:${team}`, JSON.stringify(limits));
    this.cache.delete(team);
  }
}
