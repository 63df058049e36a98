import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { TeamPolicies } from './team-policies.js';

const redis = testRedis();
const prefix = testPrefix('teams');
const teams = new TeamPolicies(redis, prefix, 0);

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

describe('team policies', () => {
  it('stores limits with the alert URL, and replaces them as a whole', async () => {
    await teams.set('a', { budget_usd: 5, budget_period: 'daily', alert_webhook_url: 'https://finops.example.com/hook' });
    expect(await teams.get('a')).toEqual({ budget_usd: 5, budget_period: 'daily', alert_webhook_url: 'https://finops.example.com/hook' });
    await teams.set('a', { rpm: 3, budget_period: 'monthly' });
    expect(await teams.get('a')).toEqual({ rpm: 3, budget_period: 'monthly' });
  });

  it('creates the alert secret once, and reports it only to the call that created it', async () => {
    expect(await teams.alertSecrets('b')).toEqual([]);
    const created = await teams.ensureAlertSecret('b');
    expect(created).toMatch(/^whsec_/);
    expect(await teams.ensureAlertSecret('b')).toBeNull();
    expect(await teams.alertSecrets('b')).toEqual([created]);
  });

  it('rotates the alert secret: the old one co-signs during its grace period only', async () => {
    const old = (await teams.ensureAlertSecret('c'))!;
    const now = Date.now();
    const fresh = await teams.rotateAlertSecret('c', 60, now);
    expect(await teams.alertSecrets('c', now + 59_000)).toEqual([fresh, old]);
    expect(await teams.alertSecrets('c', now + 60_001)).toEqual([fresh]);
    const latest = await teams.rotateAlertSecret('c', 0);
    expect(await teams.alertSecrets('c')).toEqual([latest]);
  });
});
