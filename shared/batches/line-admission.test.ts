import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { KeyStore } from '../keys/key-store.js';
import { TeamPolicies } from '../keys/team-policies.js';
import { estimateRequestTokens, TokenBuckets } from '../rate-limit/index.js';
import { AdmissionGate } from '../usage/admission-gate.js';
import { Budgets } from '../usage/budgets.js';
import { PriceTable } from '../usage/price-table.js';
import { LineAdmission } from './line-admission.js';

const redis: Redis = testRedis();
const prefix = testPrefix('line-admission');
const keyStore = new KeyStore(redis, new RedisKeys(prefix));
const teams = new TeamPolicies(redis, prefix, 0);
const budgets = new Budgets(redis, prefix);
const admission = new LineAdmission(
  new AdmissionGate(redis, new TokenBuckets(redis, prefix), budgets),
  teams,
  keyStore,
  // 1,000 µ$ a token.
  new PriceTable({ 'mock-1': { input: 1000, output: 1000 } }),
  {},
);
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

const request = { model: 'mock', messages: [{ role: 'user' as const, content: 'one line' }], max_tokens: 10 };
const route = [{ deployment: 'local', model: 'mock-1' }];
const estimateMicros = estimateRequestTokens(request, 4096) * 1000;

describe('LineAdmission', () => {
  it('admits with nothing to reserve when neither the key nor the team has limits', async () => {
    const { record } = await keyStore.create({ team: 'free' });
    const limits = await admission.limitsFor({ team: 'free', keyId: record.id });
    expect(limits).toEqual({ team: 'free', rate: [], budgets: [] });
    expect(await admission.admit(limits, request, route)).toEqual({ kind: 'admitted', admission: {} });
  });

  it("makes a line over the key's RPM wait instead of failing it", async () => {
    const { record } = await keyStore.create({ team: 'paced', policy: { rpm: 2, budget_period: 'monthly' } });
    const limits = await admission.limitsFor({ team: 'paced', keyId: record.id });
    const first = await admission.admit(limits, request, route);
    const second = await admission.admit(limits, request, route);
    expect([first.kind, second.kind]).toEqual(['admitted', 'admitted']);
    expect(first.kind === 'admitted' && first.admission.rate?.requests).toBe(1);
    const third = await admission.admit(limits, request, route);
    expect(third.kind).toBe('wait');
    // One request refills every 30 s at 2 per minute.
    expect(third.kind === 'wait' && third.retryAfterMs).toBeGreaterThan(20_000);
  });

  it('waits while in-flight holds fill the budget, and refuses budget_exceeded once it is spent', async () => {
    await teams.set('spender', { budget_usd: (2.5 * estimateMicros) / 1e6, budget_period: 'daily' });
    const { record } = await keyStore.create({ team: 'spender' });
    const limits = await admission.limitsFor({ team: 'spender', keyId: record.id });
    const held = [await admission.admit(limits, request, route), await admission.admit(limits, request, route)];
    expect(held.map((h) => h.kind)).toEqual(['admitted', 'admitted']);
    expect((await admission.admit(limits, request, route)).kind).toBe('wait');

    // Both lines really cost their estimate: 2 of 2.5 estimates spent, so a third can never fit.
    for (const h of held) if (h.kind === 'admitted') await budgets.settle(h.admission.budget!, estimateMicros);
    const refused = await admission.admit(limits, request, route);
    expect(refused).toMatchObject({ kind: 'refused', code: 'budget_exceeded' });
    expect(refused.kind === 'refused' && refused.message).toMatch(/team's budget/);
  });

  it("applies the team's limits alone when the batch's key no longer exists", async () => {
    await teams.set('orphan', { rpm: 5, budget_period: 'monthly' });
    const limits = await admission.limitsFor({ team: 'orphan', keyId: 'key_gone' });
    expect(limits.rate.map((l) => l.scope.name)).toEqual([expect.stringContaining('orphan')]);
    expect(limits.budgets).toEqual([]);
  });
});
