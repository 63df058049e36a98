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
});
