import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { openAIErrorFault, startOpenAIEmulator, type OpenAIEmulator } from '../emulators/index.js';
import { testConfig } from '../helpers/test-gateway.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { chatLine, jsonl, startBatchHarness, type BatchHarness } from './batch-harness.js';
import { batchEnded } from './webhook-wait.js';

type Line = { id: string; custom_id: string; response: { status_code: number; request_id: string; body: Record<string, unknown> }; error: null };

/**
 * A batch on a route whose OpenAI primary (the emulator) starts failing mid-batch: the failing lines
 * fail over to the mock fallback, a 400 is reported in the error file, and the rest is served by the
 * primary. The SDK drives it all.
 */
describe('a batch on a route that fails over mid-batch', () => {
  let primary: OpenAIEmulator;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let harness: BatchHarness;
  let key: string;
  let client: OpenAI;

  beforeAll(async () => {
    primary = await startOpenAIEmulator();
    receiver = await startWebhookReceiver();
    harness = await startBatchHarness(
      testConfig({
        deployments: {
          // One call at a time, so the emulator's faults fall on lines in order; the circuit stays out of the way.
          primary: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: primary.url, maxAttempts: 1, concurrency: 1, circuitBreaker: { minRequests: 10_000 } },
          local: { provider: 'mock' },
        },
        models: { smart: [{ deployment: 'primary', model: 'gpt-4o' }, { deployment: 'local', model: 'mock-1' }] },
      }),
    );
    key = (await harness.gateway.createKey('team-failover')).key;
    client = harness.client(key);
  });
  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
    await primary?.close();
  });

  it('fails the failing lines over to the fallback and reports the permanent error', async () => {
    // Three answers, then four 500s, then one 400, then answers again.
    primary.faults.push({ times: 3 }, openAIErrorFault('500', { times: 4 }), openAIErrorFault('400', { times: 1 }));
    const file = await harness.upload(client, Array.from({ length: 10 }, (_, i) => chatLine(`f${i + 1}`, `line ${i + 1}`, 'smart')));
    const created = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', webhook: { url: receiver.url } } as OpenAI.BatchCreateParams);
    const { event } = await batchEnded(receiver, created.id);
    expect(event.type).toBe('batch.completed');
    expect(event.data.request_counts).toEqual({ total: 10, completed: 9, failed: 1 });
    expect(primary.requests).toHaveLength(10);

    const output = jsonl<Line>(await (await client.files.content(event.data.output_file_id!)).text());
    const byVendor = (model: string) => output.filter((l) => l.response.body.model === model);
    expect(byVendor('gpt-4o')).toHaveLength(5);
    expect(byVendor('mock-1')).toHaveLength(4);
    for (const line of byVendor('gpt-4o')) expect(JSON.stringify(line.response.body)).toContain(`"content":"echo: line `);

    // Each failed-over line is one job with both attempts on record.
    for (const line of byVendor('mock-1')) {
      const res = await fetch(`${harness.gateway.url}/v1/jobs/${line.response.request_id}`, { headers: { authorization: `Bearer ${key}` } });
      const job = (await res.json()) as PublicJob;
      expect(job.attempts.map((a) => `${a.deployment}:${a.error?.code ?? a.status}`)).toEqual(['primary:server_error', 'local:succeeded']);
    }

    // The 400 is not retried or failed over: it is the line's answer, in the recorded error-line shape.
    const [errorLine] = jsonl<Line>(await (await client.files.content(event.data.error_file_id!)).text());
    expect(Object.keys(errorLine!)).toEqual(['id', 'custom_id', 'response', 'error']);
    expect(errorLine!.response.status_code).toBe(400);
    expect(errorLine!.response.body).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining("Invalid 'messages'") } });
    expect(errorLine!.error).toBeNull();
    const allIds = new Set([...output, errorLine!].map((l) => l.custom_id));
    expect(allIds.size).toBe(10);
  });
});
