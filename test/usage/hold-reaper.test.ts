import { afterAll, describe, expect, it } from 'vitest';
import { keyScope, teamScope, TokenBuckets } from '../../shared/rate-limit/index.js';
import { AdmissionGate } from '../../shared/usage/admission-gate.js';
import { startHoldReaper } from '../../shared/usage/budget-reaper.js';
import { ADMISSION_HOLD_MS, Budgets, type BudgetScope } from '../../shared/usage/budgets.js';
import { deletePrefix, testPrefix, testRedis } from '../helpers/test-redis.js';

/**
 * Orphaned holds: what an admission reserved and nobody settled (the API died before the enqueue,
 * a worker between a job's end and its settle) is given back by the worker-role reaper once the
 * hold expires, without waiting for another admission against the same budget.
 */

const redis = testRedis();
const prefix = testPrefix('hold-reaper');
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

const budgetOf = (team: string, usd = 1): BudgetScope[] => [{ team, scope: 'team', limitUsd: usd, period: 'monthly' }];
const HOUR = 3600_000;

describe('budget hold reaper', () => {
  it('releases only expired holds, keeps them settleable, and forgets idle budgets', async () => {
    const budgets = new Budgets(redis, prefix, HOUR);
    const t0 = Date.UTC(2026, 11, 4, 12);
    const orphan = await budgets.reserve(budgetOf('orph'), 400_000, t0);
    const live = await budgets.reserve(budgetOf('orph'), 100_000, t0 + 30 * 60_000);
    if (!orphan.ok || !live.ok) throw new Error('fits');

    expect(await budgets.reapExpired(t0 + HOUR - 1)).toBe(0);
    expect(await budgets.reapExpired(t0 + HOUR + 1)).toBe(1);
    expect(await budgets.state('orph', 'team', 'monthly', t0 + HOUR + 1)).toEqual({ spentUsd: 0, reservedUsd: 0.1 });
    expect(await budgets.reapExpired(t0 + HOUR + 2)).toBe(0); // released once, whoever reaps again

    // The orphan's job did end after all: its real cost is still charged, without a second refund.
    expect((await budgets.settle(orphan.hold, 300_000, t0 + HOUR + 3)).applied).toBe(true);
    await budgets.settle(live.hold, 50_000, t0 + HOUR + 4);
    expect(await budgets.state('orph', 'team', 'monthly', t0 + HOUR + 4)).toEqual({ spentUsd: 0.35, reservedUsd: 0 });

    const registry = budgets.keys.holdsRegistry();
    expect(await redis.zscore(registry, budgets.keys.holds('orph', 'team', '2026-12'))).not.toBeNull();
    await budgets.reapExpired(Date.now() + 11 * 60_000); // no live holds, untouched for over 10 min
    expect(await redis.zscore(registry, budgets.keys.holds('orph', 'team', '2026-12'))).toBeNull();
  });

  it('runs periodically in the background and gives an orphan back without any admission', async () => {
    const budgets = new Budgets(redis, prefix, 50);
    const held = await budgets.reserve(budgetOf('bg', 0.001), 1000);
    if (!held.ok) throw new Error('fits');
    expect((await budgets.reserve(budgetOf('bg', 0.001), 1)).ok).toBe(false);
    const errors: unknown[] = [];
    const stop = startHoldReaper(budgets, (err) => errors.push(err), 20);
    try {
      const deadline = Date.now() + 5000;
      let state = await budgets.state('bg', 'team', 'monthly', 0);
      // state() at time 0 counts every hold as live, so it only drops once the reaper released it.
      while (state.reservedUsd > 0 && Date.now() < deadline) state = await budgets.state('bg', 'team', 'monthly', 0);
      expect(state.reservedUsd).toBe(0);
    } finally {
      stop();
    }
    expect(errors).toEqual([]);
  });

  it('gives an admission\'s rate reservation the same lifetime as its budget hold', async () => {
    const buckets = new TokenBuckets(redis, prefix);
    const budgets = new Budgets(redis, prefix);
    const gate = new AdmissionGate(redis, buckets, budgets);
    const before = Date.now();
    const result = await gate.admit({
      team: 'life',
      rate: [{ scope: keyScope('life', 'k'), rpm: 10, tpm: 10_000 }, { scope: teamScope('life'), rpm: 100 }],
      amount: { requests: 1, tokens: 100 },
      budgets: budgetOf('life'),
      estimateMicros: 10,
    });
    if (!result.ok || !result.rate || !result.budget) throw new Error('fits');
    const rateDeadline = Number(await redis.zscore(buckets.keys.reservationDeadlines(result.rate.tag), result.rate.id));
    const budgetDeadline = Number(await redis.zscore(budgets.keys.holds('life', 'team', result.budget.budgets[0]!.period), `${result.budget.id}:10`));
    for (const deadline of [rateDeadline, budgetDeadline]) {
      expect(deadline).toBeGreaterThanOrEqual(before + ADMISSION_HOLD_MS - 5000);
      expect(deadline).toBeLessThanOrEqual(Date.now() + ADMISSION_HOLD_MS + 5000);
    }
    // A job queued for an hour (past the old 10-minute rate hold) is not reaped: its usage is still charged.
    expect(await new TokenBuckets(redis, prefix, { clock: () => Date.now() + HOUR }).reapExpired()).toBe(0);
    expect(await buckets.settle(result.rate, 500)).toBe(true);
  });
});
