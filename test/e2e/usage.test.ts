import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAIErrorFault, startOpenAIEmulator, type OpenAIEmulator } from '../emulators/index.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

interface Row {
  team?: string;
  key?: string;
  model?: string;
  deployment?: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  cache_hits: number;
  saved_usd: number;
  saved_tokens: number;
}

describe('usage ledger through the gateway', () => {
  let emulator: OpenAIEmulator;
  let gateway: TestGateway;
  let a: { id: string; key: string };
  let b: { id: string; key: string };

  const chat = (key: string, content: string) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content }] }),
    });
  const usage = async (query: string): Promise<Row[]> => ((await (await gateway.admin(`/admin/usage?${query}`)).json()) as { data: Row[] }).data;

  beforeAll(async () => {
    emulator = await startOpenAIEmulator();
    gateway = await startTestGateway(
      testConfig({
        deployments: { oa: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: emulator.url } },
        models: { smart: [{ deployment: 'oa', model: 'gpt-4o' }] },
        cache: { exact: { enabled: true }, semantic: { enabled: false } },
      }),
    );
    a = await gateway.createKey('team-a');
    b = await gateway.createKey('team-b');
  });
  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
  });

  it('charges every vendor call to its team, key and model at the served model\'s price', async () => {
    await chat(a.key, 'one two three'); // prompt 3, completion 4
    emulator.faults.set(openAIErrorFault('500', { times: 1 }));
    await chat(a.key, 'four five'); // a 500 (no tokens), then prompt 2, completion 3
    await chat(b.key, 'six'); // prompt 1, completion 2
    // The worker records usage right after answering; wait for the last write through the admin API.
    let rows: Row[] = [];
    const deadline = Date.now() + 5000;
    do rows = await usage('group_by=team');
    while (rows.reduce((n, r) => n + r.requests, 0) < 4 && Date.now() < deadline);

    const teamA = rows.find((r) => r.team === 'team-a')!;
    expect(teamA).toMatchObject({ requests: 3, prompt_tokens: 5, completion_tokens: 7 });
    // gpt-4o: $2.50 in, $10 out per 1M tokens; each event is kept in whole micro-dollars.
    expect(teamA.cost_usd).toBe((Math.round(3 * 2.5 + 4 * 10) + Math.round(2 * 2.5 + 3 * 10)) / 1e6);
    expect((await usage('group_by=key&team=team-b')).map((r) => [r.key, r.requests])).toEqual([[b.id, 1]]);
    expect((await usage('group_by=deployment&team=team-a')).map((r) => r.deployment)).toEqual(['oa']);
  });

  it('records a cache hit with zero cost and what it saved', async () => {
    await chat(a.key, 'cache me');
    const deadline = Date.now() + 5000;
    while ((await chat(a.key, 'cache me')).headers.get('x-switchyard-cache') !== 'hit-exact' && Date.now() < deadline);
    let row: Row | undefined;
    do row = (await usage('group_by=deployment&team=team-a')).find((r) => r.deployment === 'cache');
    while (!row && Date.now() < deadline);
    expect(row).toMatchObject({ requests: 0, cost_usd: 0 });
    expect(row!.cache_hits).toBeGreaterThanOrEqual(1);
    expect(row!.saved_usd).toBeGreaterThan(0);
    // The mock answer's own usage: what one hit did not spend again.
    const first = await chat(a.key, 'cache me');
    const answered = ((await first.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    expect(answered.prompt_tokens + answered.completion_tokens).toBeGreaterThan(0);
    expect(row!.saved_tokens).toBe(row!.cache_hits * (answered.prompt_tokens + answered.completion_tokens));
  });

  it('lets a key read its own team\'s usage only', async () => {
    const res = await fetch(`${gateway.url}/v1/usage?group_by=team&team=team-a`, { headers: { authorization: `Bearer ${b.key}` } });
    const rows = ((await res.json()) as { data: Row[] }).data;
    expect(rows.map((r) => r.team)).toEqual(['team-b']);
  });

  it('exports the events as NDJSON and CSV', async () => {
    const ndjson = await (await gateway.admin('/admin/usage/export?format=ndjson&team=team-b')).text();
    const lines = ndjson.trim().split('\n').map((l) => JSON.parse(l) as { keyId: string });
    expect(lines.map((l) => l.keyId)).toEqual([b.id]);
    const csv = await (await gateway.admin('/admin/usage/export?format=csv&team=team-b')).text();
    expect(csv.split('\n')[0]).toContain('eventId,at,team');
    expect(csv.trim().split('\n')).toHaveLength(2);
  });

  it('rejects bad filters', async () => {
    expect((await gateway.admin('/admin/usage?group_by=colour')).status).toBe(400);
    expect((await gateway.admin('/admin/usage?from=2026-13-45x')).status).toBe(400);
  });
});
