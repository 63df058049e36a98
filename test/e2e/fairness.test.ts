import { afterAll, describe, expect, it } from 'vitest';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/index.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

describe('per-team fairness and priority classes on one deployment queue', () => {
  let emulator: OpenAIEmulator;
  let api: TestGateway;
  let worker: TestGateway | undefined;

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await emulator?.close();
  });

  it("serves a late team's batch job right after the burst's first, and interactive work before all batch work", async () => {
    emulator = await startOpenAIEmulator();
    const config = testConfig({
      deployments: { shared: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: emulator.url, concurrency: 1 } },
      models: { m: [{ deployment: 'shared', model: 'gpt-4o' }] },
    });
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
    const burst = (await api.createKey('team-burst')).key;
    const late = (await api.createKey('team-late')).key;
    const submit = (key: string, content: string, priority: string) =>
      fetch(`${api.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ request: { model: 'm', messages: [{ role: 'user', content }] }, priority }),
      });
    for (let i = 0; i < 30; i++) await submit(burst, `burst-${i}`, 'batch');
    await submit(late, 'late-batch', 'batch');
    await submit(late, 'late-default', 'default');

    worker = await startTestGateway(config, { roles: { api: false, worker: true } });
    await emulator.arrived(32);
    const order = emulator.requests.map((r) => (r.body.messages as Array<{ content: string }>)[0]!.content);
    expect(order[0]).toBe('late-default');
    expect(order.indexOf('late-batch')).toBeLessThanOrEqual(2);
    expect(order.filter((c) => c.startsWith('burst-'))).toEqual(Array.from({ length: 30 }, (_, i) => `burst-${i}`));
  }, 30_000);
});
