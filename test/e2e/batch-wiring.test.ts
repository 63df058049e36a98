import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

/** The Batch API as the gateway itself serves and runs it (the detailed flows are in test/batches). */
describe('batch API wired into the gateway', () => {
  let gateway: TestGateway;
  let key: string;

  beforeAll(async () => {
    gateway = await startTestGateway(testConfig({ batches: { tickMs: 50, storage: { kind: 'local', directory: mkdtempSync(join(tmpdir(), 'sy-batch-')) } } }));
    key = (await gateway.createKey('team-batch')).key;
  });
  afterAll(async () => gateway?.close());

  it('runs a batch uploaded with the official SDK and serves its output file', async () => {
    const client = gateway.client(key);
    const lines = ['a', 'b', 'c'].map((id) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'mock', messages: [{ role: 'user', content: `line ${id}` }] } }));
    const file = await client.files.create({ file: await toFile(Buffer.from(lines.join('\n')), 'input.jsonl'), purpose: 'batch' });
    let batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const deadline = Date.now() + 20_000;
    while (!['completed', 'failed', 'expired', 'cancelled'].includes(batch.status) && Date.now() < deadline) batch = await client.batches.retrieve(batch.id);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toMatchObject({ total: 3, completed: 3, failed: 0 });
    const output = (await (await client.files.content(batch.output_file_id!)).text()).trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; response: { status_code: number; body: { choices: Array<{ message: { content: string } }> } } });
    expect(output.map((o) => o.custom_id).sort()).toEqual(['a', 'b', 'c']);
    expect(output.find((o) => o.custom_id === 'b')?.response.body.choices[0]?.message.content).toBe('This is a mock response to: line b');
  });
});
