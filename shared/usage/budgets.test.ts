import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { RateLimitKeys, teamScope } from '../rate-limit/index.js';
import { raiseBudgetAlerts, type BudgetThresholdEvent } from './budget-alerts.js';
import { Budgets, type BudgetScope } from './budgets.js';

const redis = testRedis();
const prefix = testPrefix('budget');
const budgets = new Budgets(redis, prefix);
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

const NOV_20 = Date.parse('2026-11-20T12:00:00Z');
const teamBudget = (team: string, limitUsd: number, period: BudgetScope['period'] = 'monthly'): BudgetScope => ({ team, scope: 'team', limitUsd, period });

describe('Budgets', () => {
  it('admits exactly what fits when 50 requests race for a budget that admits 10', async () => {
    const clients = Array.from({ length: 5 }, () => testRedis());
    const scopes: BudgetScope[] = [{ team: 'race', scope: 'key:k1', limitUsd: 0.01, period: 'monthly' }, teamBudget('race', 1)];
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => new Budgets(clients[i % 5]!, prefix).reserve(scopes, 1000)));
    const admitted = results.flatMap((r) => (r.ok ? [r.hold] : []));
    expect(admitted).toHaveLength(10);
    for (const hold of admitted) await budgets.settle(hold, 990);
    expect(await budgets.state('race', 'key:k1', 'monthly')).toEqual({ spentUsd: 0.0099, reservedUsd: 0 });
    expect((await budgets.state('race', 'team', 'monthly')).spentUsd).toBe(0.0099);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('refuses once spend reaches the budget, naming the exhausted scope', async () => {
    const scopes: BudgetScope[] = [{ team: 'full', scope: 'key:k1', limitUsd: 1, period: 'daily' }, teamBudget('full', 0.002, 'daily')];
    const first = await budgets.reserve(scopes, 1500);
    if (!first.ok) throw new Error('the first reservation fits');
    expect(await budgets.reserve(scopes, 600)).toEqual({ ok: false, scope: 'team', spentUsd: 0, reservedUsd: 0.0015, limitUsd: 0.002 });
    await budgets.settle(first.hold, 2100);
    // Over by one request's error: now even a free request is refused.
    expect(await budgets.reserve(scopes, 0)).toEqual({ ok: false, scope: 'team', spentUsd: 0.0021, reservedUsd: 0, limitUsd: 0.002 });
  });

  it('releases the hold of a holder that died, at the next admission after it expires', async () => {
    const short = new Budgets(redis, prefix, 1000);
    const scopes = [teamBudget('orphan', 0.001, 'total')];
    expect((await short.reserve(scopes, 1000, NOV_20)).ok).toBe(true);
    expect((await short.reserve(scopes, 1000, NOV_20 + 10)).ok).toBe(false);
    expect((await short.state('orphan', 'team', 'total', NOV_20 + 10)).reservedUsd).toBe(0.001);
    expect((await short.state('orphan', 'team', 'total', NOV_20 + 2000)).reservedUsd).toBe(0);
    expect((await short.reserve(scopes, 1000, NOV_20 + 2000)).ok).toBe(true);
  });

  it('charges a hold once however often it is settled (a replayed worker), and still charges an expired hold', async () => {
    const short = new Budgets(redis, prefix, 1000);
    const scopes = [teamBudget('replay', 1, 'total')];
    const granted = await short.reserve(scopes, 5000, NOV_20);
    if (!granted.ok) throw new Error('fits');
    const first = await short.settle(granted.hold, 4000, NOV_20 + 1);
    const again = await short.settle(granted.hold, 4000, NOV_20 + 2);
    expect([first.applied, again.applied]).toEqual([true, false]);
    expect(again.budgets[0]!.spentUsd).toBe(0.004);
    expect(await short.state('replay', 'team', 'total')).toEqual({ spentUsd: 0.004, reservedUsd: 0 });

    const late = await short.reserve(scopes, 5000, NOV_20);
    if (!late.ok) throw new Error('fits');
    const probe = await short.reserve(scopes, 0, NOV_20 + 5000); // releases the expired hold
    if (!probe.ok) throw new Error('fits');
    await short.release(probe.hold);
    expect((await short.settle(late.hold, 3000, NOV_20 + 6000)).applied).toBe(true);
    expect((await short.settle(late.hold, 3000, NOV_20 + 7000)).applied).toBe(false);
    expect(await short.state('replay', 'team', 'total')).toEqual({ spentUsd: 0.007, reservedUsd: 0 });
    // Settled holds leave nothing behind: memory is bounded by the holds in flight, not by traffic.
    expect(await redis.zcard(short.keys.holds('replay', 'team', 'total'))).toBe(0);
  });

  it('forgets an orphan released a week ago, so a settle that late charges nothing', async () => {
    const short = new Budgets(redis, prefix, 1000);
    const scopes = [teamBudget('forgotten', 1, 'total')];
    const orphan = await short.reserve(scopes, 5000, NOV_20);
    if (!orphan.ok) throw new Error('fits');
    await short.reserve(scopes, 0, NOV_20 + 2000); // releases it as orphaned
    await short.reserve(scopes, 0, NOV_20 + 2000 + 8 * 86_400_000); // a week on: the marker is trimmed
    expect(await redis.zscore(short.keys.holds('forgotten', 'team', 'total'), `${orphan.hold.id}:5000`)).toBeNull();
    expect((await short.settle(orphan.hold, 4000)).applied).toBe(false);
  });

  it('reports crossing 80 % and 100 % of a budget once each per period', async () => {
    const scopes = [teamBudget('alerts', 1, 'daily')];
    const spend = async (usd: number, at = NOV_20) => {
      const granted = await budgets.reserve(scopes, 0, at);
      if (!granted.ok) throw new Error(`refused at ${at}`);
      return (await budgets.settle(granted.hold, usd * 1e6, at)).budgets[0]!.crossed;
    };
    expect(await spend(0.5)).toBeNull();
    expect(await spend(0.3)).toBe(80); // exactly 80 %
    expect(await spend(0.1)).toBeNull();
    expect(await spend(0.05)).toBeNull();
    expect(await spend(0.05)).toBe(100);
    expect(await budgets.reserve(scopes, 0, NOV_20)).toMatchObject({ ok: false });
    // A new day is a new period: fresh spend, fresh alerts; a jump past both reports 100 once, never 80.
    const nextDay = NOV_20 + 86_400_000;
    expect(await spend(1.2, nextDay)).toBe(100);
  });

  it("reports a crossing again when the hold that crossed is settled again, and to no other hold", async () => {
    const scopes = [teamBudget('alert-replay', 1, 'monthly')];
    const hold = async () => {
      const granted = await budgets.reserve(scopes, 0, NOV_20);
      if (!granted.ok) throw new Error('fits');
      return granted.hold;
    };
    const below = await hold();
    const crossing = await hold();
    expect((await budgets.settle(below, 0.5e6, NOV_20)).budgets[0]!.crossed).toBeNull();
    expect(await budgets.settle(crossing, 0.35e6, NOV_20)).toMatchObject({ applied: true, budgets: [{ crossed: 80 }] });
    // The worker died before enqueueing the alert: its replay settles the same hold again.
    expect(await budgets.settle(crossing, 0.35e6, NOV_20)).toMatchObject({ applied: false, budgets: [{ crossed: 80, spentUsd: 0.85 }] });
    // Neither the hold settled before it nor a later one claims that crossing.
    expect((await budgets.settle(below, 0.5e6, NOV_20)).budgets[0]!.crossed).toBeNull();
    expect((await budgets.settle(await hold(), 0.01e6, NOV_20)).budgets[0]!.crossed).toBeNull();
  });

  it('an alert whose enqueue failed is raised by the replayed settle, and counted once', async () => {
    const granted = await budgets.reserve([teamBudget('alert-lost', 1, 'monthly')], 0, NOV_20);
    if (!granted.ok) throw new Error('fits');
    const delivered: BudgetThresholdEvent[] = [];
    let counted = 0;
    const metrics = { budgetAlerts: { inc: () => void counted++ } } as unknown as Parameters<typeof raiseBudgetAlerts>[2];
    const down = { enqueueBudgetAlert: () => Promise.reject(new Error('Redis connection lost')) };
    const up = { enqueueBudgetAlert: async (event: BudgetThresholdEvent) => void delivered.push(event) };
    await expect(raiseBudgetAlerts(await budgets.settle(granted.hold, 0.9e6, NOV_20), down, metrics)).rejects.toThrow('Redis connection lost');
    await raiseBudgetAlerts(await budgets.settle(granted.hold, 0.9e6, NOV_20), up, metrics);
    expect(delivered.map((e) => [e.data.team, e.data.threshold])).toEqual([['alert-lost', 80]]);
    expect(counted).toBe(1);
  });

  it('keeps its keys in the rate limiter tag group of the team, with a TTL by period', async () => {
    const expected = new RateLimitKeys(prefix).reservations(teamScope('ttl').tag).replace(/:res$/, '');
    expect(budgets.keys.group('ttl')).toBe(expected);
    for (const period of ['daily', 'monthly', 'total'] as const) {
      const granted = await budgets.reserve([teamBudget('ttl', 1, period)], 10, NOV_20);
      if (!granted.ok) throw new Error('fits');
      const ttl = await redis.pttl(budgets.keys.budget('ttl', 'team', granted.hold.budgets[0]!.period));
      if (period === 'total') expect(ttl).toBe(-1);
      else expect(ttl).toBeGreaterThan((period === 'daily' ? 34 : 399) * 86_400_000);
    }
    expect(() => budgets.keys.group('bad{team}')).toThrow(RangeError);
  });
});
