import { afterAll, describe, expect, it } from 'vitest';
import type { Usage } from '../../shared/canonical/chat-response.js';
import type { AttemptRecord, JobAdmission, JobRecord } from '../../shared/jobs/job-record.js';
import { estimatePromptTokens, keyScope, teamScope, TokenBuckets, type ScopeLimits } from '../../shared/rate-limit/index.js';
import { AdmissionGate } from '../../shared/usage/admission-gate.js';
import { AdmissionSettler } from '../../shared/usage/admission-settler.js';
import { budgetAlertMessageId, budgetThresholdEvents } from '../../shared/usage/budget-alerts.js';
import { Budgets, type BudgetScope } from '../../shared/usage/budgets.js';
import { PriceTable } from '../../shared/usage/price-table.js';
import { deletePrefix, testPrefix, testRedis } from '../helpers/test-redis.js';

/**
 * Budget admission end to end, below HTTP: racing admissions through the one-script gate (several
 * connections, as several API replicas would), settlement of the jobs' real cost through the
 * settler the worker uses, replays, and the threshold alerts a settle raises.
 */

const prefix = testPrefix('budget-admission');
const redis = testRedis();
const clients = Array.from({ length: 5 }, () => testRedis());
const prices = new PriceTable();
const settler = new AdmissionSettler(new TokenBuckets(redis, prefix), new Budgets(redis, prefix), prices);
const gates = clients.map((c) => new AdmissionGate(c, new TokenBuckets(c, prefix), new Budgets(c, prefix)));
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await Promise.all([redis, ...clients].map((c) => c.quit()));
});

const VENDOR_MODEL = 'gpt-4.1';
const MAX_TOKENS = 200;
const report = 'Team search spent 41 % of its monthly budget on gpt-4.1 and the rest on cached answers. '.repeat(12);
const request = { model: 'smart', messages: [{ role: 'user' as const, content: `Summarise in three bullet points: ${report}` }], max_tokens: MAX_TOKENS };
const promptTokens = estimatePromptTokens(request);
const usage = (prompt: number, completion: number): Usage => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
/** What admission reserves: the prompt estimate plus max_tokens of output, at the served model's price. */
const estimateMicros = prices.costMicros(VENDOR_MODEL, usage(promptTokens, MAX_TOKENS)).micros;

const limitsOf = (team: string): { rate: ScopeLimits[]; budgets: (usd: number) => BudgetScope[] } => ({
  rate: [
    { scope: keyScope(team, 'key_1'), rpm: 1000, tpm: 1_000_000 },
    { scope: teamScope(team), rpm: 5000 },
  ],
  budgets: (usd) => [
    { team, scope: 'key:key_1', limitUsd: 1000, period: 'monthly' },
    { team, scope: 'team', limitUsd: usd, period: 'monthly' },
  ],
});

async function admitAll(team: string, budgetUsd: number, count: number, estimate = estimateMicros): Promise<JobAdmission[]> {
  const { rate, budgets } = limitsOf(team);
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => gates[i % gates.length]!.admit({ team, rate, amount: { requests: 1, tokens: promptTokens + MAX_TOKENS }, budgets: budgets(budgetUsd), estimateMicros: estimate })),
  );
  for (const r of results) if (!r.ok) expect(r.reason).toBe('budget_exceeded');
  return results.flatMap((r) => (r.ok ? [{ rate: r.rate ?? undefined, budget: r.budget ?? undefined }] : []));
}

function endedJob(team: string, admission: JobAdmission, attempts: Array<Pick<AttemptRecord, 'status' | 'usage'>>): JobRecord {
  return {
    v: 1, id: `job_${Math.random().toString(36).slice(2)}`, team, keyId: 'key_1', model: 'smart', priority: 'default', status: 'succeeded',
    createdAt: 0, startedAt: 0, completedAt: 0, request, route: [{ deployment: 'openai', model: VENDOR_MODEL }], step: 0, seq: 1,
    attempts: attempts.map((a) => ({ step: 0, deployment: 'openai', model: VENDOR_MODEL, error: null, latency_ms: 100, ...a })),
    result: null, error: null, metadata: {}, webhook: null, mode: 'async', replyTo: '', streamed: false, deadlineAt: 0, cache: { store: false }, admission,
  };
}

const teamSpend = (team: string) => new Budgets(redis, prefix).state(team, 'team', 'monthly');

describe('budget admission under concurrency', () => {
  it('admits exactly 10 of 50 racing requests when the budget fits 10, and real costs within the estimates never overspend', async () => {
    expect(estimateMicros).toBeGreaterThan(0);
    const budgetUsd = (estimateMicros * 10.5) / 1e6;
    const admitted = await admitAll('race-a', budgetUsd, 50);
    expect(admitted).toHaveLength(10);
    expect((await teamSpend('race-a')).reservedUsd).toBeCloseTo((10 * estimateMicros) / 1e6, 9);

    // The estimate assumes max_tokens of output: real answers are shorter, so real ≤ estimate.
    await Promise.all(admitted.map((admission, i) => settler.settle(endedJob('race-a', admission, [{ status: 'succeeded', usage: usage(promptTokens, (i * 37) % MAX_TOKENS) }]))));
    const { spentUsd, reservedUsd } = await teamSpend('race-a');
    expect(reservedUsd).toBe(0);
    expect(spentUsd).toBeGreaterThan(0);
    expect(spentUsd).toBeLessThanOrEqual(budgetUsd);
  });

  it('bounds the overshoot by the estimate errors of the requests in flight, and by one request\'s error when they end one by one', async () => {
    // Under-estimates: the prompt was 20 % larger than estimated and the output hit max_tokens.
    const realUsage = usage(Math.ceil(promptTokens * 1.2), MAX_TOKENS);
    const realMicros = prices.costMicros(VENDOR_MODEL, realUsage).micros;
    const errorMicros = realMicros - estimateMicros;
    expect(errorMicros).toBeGreaterThan(0);
    const budgetUsd = (estimateMicros * 10.5) / 1e6;

    const inFlight = await admitAll('race-b', budgetUsd, 50);
    expect(inFlight).toHaveLength(10);
    await Promise.all(inFlight.map((admission) => settler.settle(endedJob('race-b', admission, [{ status: 'succeeded', usage: realUsage }]))));
    expect((await teamSpend('race-b')).spentUsd * 1e6).toBeLessThanOrEqual(budgetUsd * 1e6 + inFlight.length * errorMicros);

    let admittedOneByOne = 0;
    for (;;) {
      const [admission] = await admitAll('serial', budgetUsd, 1);
      if (!admission) break;
      admittedOneByOne++;
      await settler.settle(endedJob('serial', admission, [{ status: 'succeeded', usage: realUsage }]));
    }
    expect(admittedOneByOne).toBeGreaterThan(5);
    const spentMicros = Math.round((await teamSpend('serial')).spentUsd * 1e6);
    expect(spentMicros).toBeGreaterThan(budgetUsd * 1e6 - estimateMicros - errorMicros);
    expect(spentMicros).toBeLessThanOrEqual(budgetUsd * 1e6 + errorMicros);
  });

  it('charges failed attempts too, once even when the end is settled again, and alerts at 80 % and 100 % once each', async () => {
    const budgetUsd = (estimateMicros * 4) / 1e6;
    const full = usage(promptTokens, MAX_TOKENS);
    const promptOnly = usage(promptTokens, 0);
    const halfAnswer = usage(promptTokens, MAX_TOKENS / 2);
    const settle = async (attempts: Array<Pick<AttemptRecord, 'status' | 'usage'>>, estimate = estimateMicros) => {
      const [admission] = await admitAll('alerts', budgetUsd, 1, estimate);
      if (!admission) throw new Error('refused');
      const job = endedJob('alerts', admission, attempts);
      const first = await settler.settle(job);
      const replay = await settler.settle(job);
      expect(replay?.applied).toBe(false);
      return budgetThresholdEvents(first).filter((e) => e.data.scope === 'team');
    };
    const cost = (u: Usage) => prices.costMicros(VENDOR_MODEL, u).micros;
    // 3 full answers: 75 %. Then a failover: a failed attempt that consumed its prompt, and a half answer.
    for (let i = 0; i < 3; i++) expect(await settle([{ status: 'succeeded', usage: full }])).toEqual([]);
    const afterFailover = 3 * estimateMicros + cost(promptOnly) + cost(halfAnswer);
    expect(afterFailover / (4 * estimateMicros)).toBeGreaterThan(0.8);
    const [eighty, ...noMore] = await settle([{ status: 'failed', usage: promptOnly }, { status: 'succeeded', usage: halfAnswer }]);
    expect(noMore).toEqual([]);
    expect(eighty).toMatchObject({ type: 'budget.threshold', data: { team: 'alerts', threshold: 80, spent_usd: afterFailover / 1e6, budget_usd: budgetUsd, period: 'monthly', scope: 'team' } });
    expect(Date.parse(eighty!.timestamp)).toBeGreaterThan(0);
    expect(budgetAlertMessageId(eighty!)).toBe(`msg_budget_alerts_team_${eighty!.data.period_id}_80`);
    // A small estimate still fits; its real cost (a full answer) takes spend past 100 %.
    const [hundred] = await settle([{ status: 'succeeded', usage: full }], 4 * estimateMicros - afterFailover);
    expect(hundred?.data).toMatchObject({ threshold: 100, spent_usd: (afterFailover + estimateMicros) / 1e6 });
    expect(await admitAll('alerts', budgetUsd, 1, 0)).toEqual([]);
    expect(await teamSpend('alerts')).toEqual({ spentUsd: (afterFailover + estimateMicros) / 1e6, reservedUsd: 0 });
  });
});
