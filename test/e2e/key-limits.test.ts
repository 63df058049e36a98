import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { estimateRequestTokens } from '../../shared/rate-limit/index.js';
import { Budgets } from '../../shared/usage/budgets.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

const config = testConfig({
  // A priced mock model, so budgets have something to spend: 1,000 USD per 1M tokens = 1,000 µ$ a token.
  pricing: { 'mock-1': { input: 1000, output: 1000 } },
  models: { mock: [{ deployment: 'local', model: 'mock-1' }], other: [{ deployment: 'local', model: 'mock-1' }] },
});

describe('key and team limits at admission', () => {
  let api: TestGateway;
  let worker: TestGateway | undefined;

  const submit = (key: string, body: Record<string, unknown> = {}) =>
    fetch(`${api.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ request: { model: 'mock', messages: [{ role: 'user', content: 'spend some' }], max_tokens: 10, ...body } }),
    });
  const createKey = async (body: Record<string, unknown>) => {
    const res = await api.admin('/admin/keys', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; key: string };
  };

  beforeAll(async () => {
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('refuses models outside the key\'s list (403) and expired keys (401)', async () => {
    const limited = await createKey({ team: 'lim', models: ['mock'] });
    expect((await submit(limited.key)).status).toBe(202);
    const other = await submit(limited.key, { model: 'other' });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('permission_denied');
    const expired = await createKey({ team: 'lim', expires_at: Math.floor(Date.now() / 1000) - 1 });
    expect((await submit(expired.key)).status).toBe(401);
  });

  it('holds a team RPM across its keys, with retry-after and x-ratelimit headers', async () => {
    expect((await api.admin('/admin/teams/rl-team', { method: 'PUT', body: JSON.stringify({ rpm: 3 }) })).status).toBe(200);
    const a = await createKey({ team: 'rl-team' });
    const b = await createKey({ team: 'rl-team' });
    const statuses = [];
    for (const key of [a, b, a, b]) statuses.push((await submit(key.key)).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const refused = await submit(a.key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('reserves key and team RPM/TPM and budgets in one script call per request', async () => {
    expect((await api.admin('/admin/teams/one-call', { method: 'PUT', body: JSON.stringify({ rpm: 100, tpm: 100_000, budget_usd: 100 }) })).status).toBe(200);
    const key = await createKey({ team: 'one-call', rpm: 50, tpm: 50_000, budget_usd: 10 });
    expect((await submit(key.key)).status).toBe(202); // registers the team with the reapers (once a minute)
    const sent: Array<{ name: string; keys: string[] }> = [];
    const send = api.redis.sendCommand.bind(api.redis);
    api.redis.sendCommand = ((command, ...rest) => {
      sent.push({ name: command.name, keys: command.getKeys().map(String) });
      return send(command, ...rest);
    }) as typeof api.redis.sendCommand;
    try {
      expect((await submit(key.key)).status).toBe(202);
    } finally {
      api.redis.sendCommand = send;
    }
    const admission = sent.filter((c) => c.keys.some((k) => k.includes('{rl:team:one-call}')));
    expect(admission.map((c) => c.name)).toEqual(['evalsha']);
    const keys = admission[0]!.keys;
    expect(keys.filter((k) => /:budget:(team|key:[^:]+):\d{4}-\d{2}$/.test(k))).toHaveLength(2);
    expect(keys.filter((k) => /:(rpm|tpm)$/.test(k))).toHaveLength(4);
  });

  it('admits no more than a budget allows when 50 requests race, and the final spend stays within it', async () => {
    // Each request is reserved at its estimate, (prompt + max_tokens) tokens at 1,000 µ$ a token.
    const request = { model: 'mock', messages: [{ role: 'user' as const, content: 'spend some' }], max_tokens: 10 };
    const estimateMicros = estimateRequestTokens(request, 4096) * 1000;
    const spender = await createKey({ team: 'budget-team', budget_usd: 0.2, budget_period: 'daily' });
    const results = await Promise.all(Array.from({ length: 50 }, () => submit(spender.key)));
    const admitted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status === 429);
    expect(admitted.length + refused.length).toBe(50);
    expect(admitted.length).toBe(Math.floor(200_000 / estimateMicros));
    expect(((await refused[0]!.json()) as { error: { code: string } }).error.code).toBe('budget_exceeded');

    const ids = await Promise.all(admitted.map(async (r) => ((await r.json()) as PublicJob).id));
    worker = await startTestGateway(config, { roles: { api: false, worker: true } });
    const headers = { authorization: `Bearer ${spender.key}` };
    await Promise.all(ids.map((id) => fetch(`${api.url}/v1/jobs/${id}?wait=20`, { headers })));
    const usage = ((await (await api.admin('/admin/usage?group_by=team&team=budget-team')).json()) as { data: Array<{ cost_usd: number }> }).data;
    expect(usage[0]!.cost_usd).toBeLessThanOrEqual(0.2);
    expect(usage[0]!.cost_usd).toBeGreaterThan(0);
  }, 30_000);
});

describe('budget overshoot through the HTTP admission path, when real costs exceed the estimates', () => {
  let api: TestGateway;
  let worker: TestGateway | undefined;
  beforeAll(async () => {
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  // The mock vendor counts words, ignores max_tokens and answers "This is a mock response to: <text>":
  // prompt = N words, completion = 6 + N words. The estimate is the tokenizer's prompt plus max_tokens.
  const WORDS = 40;
  const content = 'word '.repeat(WORDS).trim();
  const realTokens = 2 * WORDS + 6;
  const requestWith = (maxTokens: number) => ({ model: 'mock', messages: [{ role: 'user' as const, content }], max_tokens: maxTokens });
  /** 1,000 µ$ a token for mock-1 (see config). */
  const micros = (tokens: number) => tokens * 1000;

  const createKey = async (team: string, budgetUsd: number) => {
    const res = await api.admin('/admin/keys', { method: 'POST', body: JSON.stringify({ team, budget_usd: budgetUsd, budget_period: 'daily' }) });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; key: string };
  };
  const submit = (key: string, request: object) =>
    fetch(`${api.url}/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ request }) });
  /** The key's budget once every hold is settled (the settle follows the job's end; bounded wait). */
  const settledSpend = async (team: string, keyId: string) => {
    const budgets = new Budgets(api.redis, api.config.redis.keyPrefix);
    const deadline = Date.now() + 10_000;
    let state = await budgets.state(team, `key:${keyId}`, 'daily');
    while (state.reservedUsd > 0 && Date.now() < deadline) state = await budgets.state(team, `key:${keyId}`, 'daily');
    expect(state.reservedUsd).toBe(0);
    return Math.round(state.spentUsd * 1e6);
  };

  it('admits 10 of 50 racing requests and ends within one request\'s estimate error of the budget', async () => {
    // max_tokens chosen so every request really costs 2 tokens more than its estimate.
    const estimateTokens = estimateRequestTokens(requestWith(0), 0);
    const request = requestWith(realTokens - estimateTokens - 2);
    const estimate = micros(estimateRequestTokens(request, 4096));
    const error = micros(realTokens) - estimate;
    expect(error).toBe(2000);
    const budgetMicros = Math.floor(estimate * 10.5);
    const spender = await createKey('over-race', budgetMicros / 1e6);

    const results = await Promise.all(Array.from({ length: 50 }, () => submit(spender.key, request)));
    const admitted = results.filter((r) => r.status === 202);
    expect(admitted).toHaveLength(10);
    const refusals = await Promise.all(results.filter((r) => r.status !== 202).map(async (r) => [r.status, ((await r.json()) as { error: { code: string } }).error.code]));
    expect(new Set(refusals.map(String))).toEqual(new Set(['429,budget_exceeded']));

    worker = await startTestGateway(config, { roles: { api: false, worker: true } });
    const ids = await Promise.all(admitted.map(async (r) => ((await r.json()) as PublicJob).id));
    const jobs = await Promise.all(ids.map(async (id) => (await (await fetch(`${api.url}/v1/jobs/${id}?wait=20`, { headers: { authorization: `Bearer ${spender.key}` } })).json()) as PublicJob));
    expect(jobs.map((j) => j.status)).toEqual(Array(10).fill('succeeded'));
    const spent = await settledSpend('over-race', spender.id);
    // Every admitted request was charged its real cost; ten were in flight at once, so the overshoot
    // bound is their summed error (here within the half-estimate left over) — never an 11th request.
    expect(spent).toBe(10 * micros(realTokens));
    expect(spent).toBeGreaterThan(10 * estimate);
    expect(spent).toBeLessThanOrEqual(budgetMicros + error);
  }, 30_000);

  it('stops one-by-one spenders within one request\'s estimate error of the budget, however large that error', async () => {
    worker ??= await startTestGateway(config, { roles: { api: false, worker: true } });
    const request = requestWith(1);
    const estimate = micros(estimateRequestTokens(request, 4096));
    const error = micros(realTokens) - estimate;
    expect(error).toBeGreaterThan(estimate / 2);
    const budgetMicros = Math.floor(estimate * 10.5);
    const spender = await createKey('over-serial', budgetMicros / 1e6);
    let admitted = 0;
    for (;;) {
      const res = await fetch(`${api.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${spender.key}`, 'content-type': 'application/json' }, body: JSON.stringify(request) });
      if (res.status !== 200) {
        expect(res.status).toBe(429);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('budget_exceeded');
        break;
      }
      admitted++;
      await settledSpend('over-serial', spender.id);
    }
    const spent = await settledSpend('over-serial', spender.id);
    expect(admitted).toBe(Math.floor((budgetMicros - estimate) / micros(realTokens)) + 1);
    expect(spent).toBe(admitted * micros(realTokens));
    expect(spent).toBeLessThanOrEqual(budgetMicros + error);
    expect(spent).toBeGreaterThan(budgetMicros - estimate - error);
  }, 30_000);
});
