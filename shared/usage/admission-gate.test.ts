import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { keyScope, teamScope, TokenBuckets, type ScopeLimits } from '../rate-limit/index.js';
import { AdmissionGate } from './admission-gate.js';
import { Budgets, type BudgetScope } from './budgets.js';

const redis = testRedis();
const prefix = testPrefix('gate');
const buckets = new TokenBuckets(redis, prefix);
const budgets = new Budgets(redis, prefix);
const gate = new AdmissionGate(redis, buckets, budgets);
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

const rateOf = (team: string, rpm: number, tpm?: number): ScopeLimits[] => [
  { scope: keyScope(team, 'k1'), rpm, tpm },
  { scope: teamScope(team), rpm: rpm * 10 },
];
const budgetOf = (team: string, keyUsd: number, teamUsd = 100): BudgetScope[] => [
  { team, scope: 'key:k1', limitUsd: keyUsd, period: 'monthly' },
  { team, scope: 'team', limitUsd: teamUsd, period: 'monthly' },
];
const amount = { requests: 1, tokens: 100 };

/** Every command a client sends from now on: name and declared keys. */
function recordCommands(client: Redis): Array<{ name: string; keys: string[] }> {
  const sent: Array<{ name: string; keys: string[] }> = [];
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command, ...rest) => {
    sent.push({ name: command.name, keys: command.getKeys().map(String) });
    return send(command, ...rest);
  }) as Redis['sendCommand'];
  return sent;
}

describe('AdmissionGate', () => {
  it('reserves key and team buckets and budgets in one script call on one hash tag', async () => {
    const client = testRedis();
    const sent = recordCommands(client);
    const own = new AdmissionGate(client, new TokenBuckets(client, prefix), new Budgets(client, prefix));
    await own.admit({ team: 'trip', rate: rateOf('trip', 100, 10_000), amount, budgets: budgetOf('trip', 1), estimateMicros: 10 });
    sent.length = 0; // the first admission of a team also registers it with the reaper (once a minute)
    const result = await own.admit({ team: 'trip', rate: rateOf('trip', 100, 10_000), amount, budgets: budgetOf('trip', 1), estimateMicros: 10 });
    expect(result.ok).toBe(true);
    expect(sent.map((c) => c.name)).toEqual(['evalsha']);
    const tags = new Set(sent[0]!.keys.map((k) => /\{([^}]*)\}/.exec(k)?.[1]));
    expect(tags).toEqual(new Set(['rl:team:trip']));
    expect(sent[0]!.keys).toHaveLength(2 + 2 + 3 + 4); // res + deadlines, 2 pauses, 3 buckets, 2 budgets × (hash + holds)
    await client.quit();
  });

  it('grants reservations the rate limiter and the budgets settle as their own', async () => {
    const result = await gate.admit({ team: 'own', rate: rateOf('own', 5, 1000), amount, budgets: budgetOf('own', 1), estimateMicros: 500 });
    if (!result.ok) throw new Error('fits');
    expect(result.remaining).toEqual({ requests: 4, tokens: 900 });
    expect(await buckets.settle(result.rate!, 40)).toBe(true);
    expect((await budgets.settle(result.budget!, 400)).applied).toBe(true);
    expect(await budgets.state('own', 'key:k1', 'monthly')).toEqual({ spentUsd: 0.0004, reservedUsd: 0 });
    expect((await buckets.peek(rateOf('own', 5, 1000), amount)).remaining.tokens).toBeGreaterThanOrEqual(959);
  });

  it('takes no bucket when a budget refuses, and holds no budget when a bucket refuses', async () => {
    const rate = rateOf('either', 2);
    const refusedByBudget = await gate.admit({ team: 'either', rate, amount, budgets: budgetOf('either', 0.0001), estimateMicros: 101 });
    expect(refusedByBudget).toEqual({ ok: false, reason: 'budget_exceeded', scope: 'key:k1', spentUsd: 0, reservedUsd: 0, limitUsd: 0.0001 });
    expect((await buckets.peek(rate, amount)).remaining.requests).toBe(2);

    for (let i = 0; i < 2; i++) expect((await gate.admit({ team: 'either', rate, amount, budgets: budgetOf('either', 1), estimateMicros: 100 })).ok).toBe(true);
    const refusedByRate = await gate.admit({ team: 'either', rate, amount, budgets: budgetOf('either', 1), estimateMicros: 100 });
    expect(refusedByRate).toMatchObject({ ok: false, reason: 'rate_limited', remaining: { requests: 0 } });
    expect(refusedByRate.ok === false && refusedByRate.reason === 'rate_limited' && refusedByRate.retryAfterMs).toBeGreaterThan(20_000);
    expect(await budgets.state('either', 'key:k1', 'monthly')).toEqual({ spentUsd: 0, reservedUsd: 0.0002 });
  });

  it('gives back everything on release, and refuses scopes of two teams', async () => {
    const result = await gate.admit({ team: 'back', rate: rateOf('back', 1), amount, budgets: budgetOf('back', 0.001), estimateMicros: 1000 });
    if (!result.ok) throw new Error('fits');
    expect((await gate.admit({ team: 'back', rate: rateOf('back', 1), amount, budgets: [], estimateMicros: 0 })).ok).toBe(false);
    await gate.release(result);
    expect(await budgets.state('back', 'team', 'monthly')).toEqual({ spentUsd: 0, reservedUsd: 0 });
    expect((await gate.admit({ team: 'back', rate: rateOf('back', 1), amount, budgets: budgetOf('back', 0.001), estimateMicros: 1000 })).ok).toBe(true);
    await expect(gate.admit({ team: 'back', rate: rateOf('other', 1), amount, budgets: budgetOf('back', 1), estimateMicros: 1 })).rejects.toThrow(RangeError);
  });

  it('admits without Redis when neither rate limits nor budgets apply', async () => {
    const client = testRedis();
    const sent = recordCommands(client);
    const silent = new AdmissionGate(client, buckets, budgets);
    expect(await silent.admit({ team: 'free', rate: [], amount, budgets: [], estimateMicros: 5 })).toEqual({ ok: true, rate: null, budget: null, remaining: { requests: null, tokens: null } });
    expect(sent).toEqual([]);
    await client.quit();
  });
});
