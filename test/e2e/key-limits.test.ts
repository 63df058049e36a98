import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { estimateRequestTokens } from '../../shared/rate-limit/index.js';
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
