import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/index.js';
import { spawnRole, type RoleProcess } from '../helpers/spawn-role.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

describe('API and worker as separate processes', () => {
  let emulator: OpenAIEmulator;
  let api: TestGateway;
  let worker: RoleProcess;
  let key: string;

  beforeAll(async () => {
    emulator = await startOpenAIEmulator();
    const config = testConfig({
      deployments: { vllm: { provider: 'openai-compatible', baseURL: emulator.url, apiKey: 'sk-test-emulator' } },
      models: { llama: [{ deployment: 'vllm', model: 'llama-3.1-8b' }] },
    });
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
    worker = await spawnRole('worker', config);
    key = (await api.createKey('team-split')).key;
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await emulator?.close();
  });

  it('streams an openai-compatible deployment through a worker in another process', async () => {
    const stream = await api.client(key).chat.completions.create({
      model: 'llama',
      messages: [{ role: 'user', content: 'across processes' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    let usageChunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageChunks++;
      usage = chunk.usage ?? usage;
    }
    expect(usageChunks).toBe(1);
    expect(text).toBe('echo: across processes');
    expect(usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    // Usage is always requested from the vendor, so accounting never depends on the client asking.
    expect(emulator.requests.at(-1)?.body.stream_options).toEqual({ include_usage: true });
  });

  it('shows the deployment and webhook queues in Bull Board, with job data that holds no prompt or secret', async () => {
    await api.client(key).chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'secret prompt text' }] });
    const page = await api.admin('/admin/queues');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const queues = (await (await api.admin('/admin/queues/api/queues?activeQueue=llm-vllm&status=completed&page=1')).json()) as { queues: Array<{ name: string; jobs: Array<{ data: unknown }> }> };
    expect(queues.queues.map((q) => q.name).sort()).toEqual(['batch-webhooks', 'batches', 'llm-vllm', 'webhooks']);
    const data = JSON.stringify(queues.queues.find((q) => q.name === 'llm-vllm')!.jobs.map((j) => j.data));
    expect(data).toContain('team-split');
    expect(data).not.toContain('secret prompt text');
    expect(data).not.toContain('sk-test-emulator');
    expect(data).not.toContain(key);
  });
});
