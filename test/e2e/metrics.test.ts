import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

describe('Prometheus /metrics', () => {
  let gateway: TestGateway;
  let key: string;

  beforeAll(async () => {
    gateway = await startTestGateway(testConfig());
    key = (await gateway.createKey('team-m')).key;
  });
  afterAll(async () => gateway?.close());

  it('is behind the admin key', async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
  });

  it('counts requests, jobs, attempts and queue state after traffic', async () => {
    await gateway.client(key).chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'measure me' }] });
    // Token counters follow the ledger write's reply in the worker; wait for them, bounded.
    let text = '';
    const deadline = Date.now() + 5000;
    do text = await (await gateway.admin('/metrics')).text();
    while (!text.includes('kind="completion"') && Date.now() < deadline);
    expect(text).toMatch(/switchyard_http_requests_total\{route="\/v1\/chat\/completions",status="200"\} 1/);
    expect(text).toMatch(/switchyard_jobs_total\{status="succeeded",model="mock",deployment="local",team="team-m"\} 1/);
    expect(text).toMatch(/switchyard_attempts_total\{deployment="local",outcome="succeeded"\} 1/);
    expect(text).toMatch(/switchyard_tokens_total\{[^}]*kind="completion"[^}]*\} 8/);
    expect(text).toMatch(/switchyard_queue_wait_seconds_count\{deployment="local",priority="interactive"\} 1/);
    expect(text).toMatch(/switchyard_queue_depth\{deployment="local",state="waiting"\} 0/);
    expect(text).toMatch(/switchyard_circuit_open\{deployment="local"\} 0/);
    expect(text).toMatch(/switchyard_cache_lookups_total\{result="bypass"\} 1/);
  });

  it('records refusals by team, gateway overhead and time to first token after traffic', async () => {
    const res = await gateway.admin('/admin/keys', { method: 'POST', body: JSON.stringify({ team: 'team-rl', rpm: 1 }) });
    const limited = ((await res.json()) as { key: string }).key;
    const ask = () =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${limited}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock', messages: [{ role: 'user', content: 'once a minute' }] }),
      });
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(429);
    const unknown = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(unknown.status).toBe(404);
    const stream = await gateway.client(key).chat.completions.create({ model: 'mock', stream: true, messages: [{ role: 'user', content: 'stream me' }] });
    for await (const _chunk of stream) void _chunk;

    const text = await (await gateway.admin('/metrics')).text();
    expect(text).toMatch(/switchyard_chat_requests_total\{model="mock",team="team-rl",outcome="queued"\} 1/);
    expect(text).toMatch(/switchyard_chat_requests_total\{model="mock",team="team-rl",outcome="rate_limited"\} 1/);
    expect(text).toMatch(/switchyard_chat_requests_total\{model="unknown",team="team-m",outcome="rejected"\} 1/);
    expect(text).toMatch(/switchyard_gateway_overhead_seconds_count\{mode="sync"\} [1-9]/);
    expect(text).toMatch(/switchyard_time_to_first_token_seconds_count\{deployment="local"\} 1/);
  });

  it('shows attempts waiting per deployment and priority class', async () => {
    const api = await startTestGateway(testConfig(), { roles: { api: true, worker: false } });
    try {
      const own = (await api.createKey('team-q')).key;
      const submit = (priority: string) =>
        fetch(`${api.url}/v1/jobs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${own}`, 'content-type': 'application/json' },
          body: JSON.stringify({ priority, request: { model: 'mock', messages: [{ role: 'user', content: 'wait' }] } }),
        });
      for (const priority of ['batch', 'batch', 'default']) expect((await submit(priority)).status).toBe(202);
      const text = await (await api.admin('/metrics')).text();
      expect(text).toMatch(/switchyard_queue_waiting_by_priority\{deployment="local",priority="batch"\} 2/);
      expect(text).toMatch(/switchyard_queue_waiting_by_priority\{deployment="local",priority="default"\} 1/);
      expect(text).toMatch(/switchyard_queue_waiting_by_priority\{deployment="local",priority="interactive"\} 0/);
    } finally {
      await api.close();
    }
  });
});
