import { Queue } from 'bullmq';
import OpenAI from 'openai';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../../shared/files/s3-storage.js';
import { llmQueueName } from '../../shared/queues/queue-names.js';
import { testConfig } from '../helpers/test-gateway.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { chatLine, jsonl, startBatchHarness, type BatchHarness, type BatchHarnessOptions } from './batch-harness.js';
import { startFakeS3, type FakeS3 } from './fake-s3-server.js';
import { gatedMockRuntime, type GatedRuntime } from './gated-runtime.js';
import { watchJobEvents, type JobEventWatch } from './job-event-watch.js';
import { batchEnded } from './webhook-wait.js';

type BatchParams = OpenAI.BatchCreateParams & { webhook?: { url: string } };
type ErrorLine = { id: string; custom_id: string; response: null | { status_code: number }; error: null | { code: string; message: string } };

/**
 * Batches that stop early (cancel, expiry), collection without job events, and the S3 backend.
 * The mock provider sits behind a gate, so each test knows exactly which lines are running.
 */
describe('batch lifecycle', () => {
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let harness: BatchHarness | undefined;
  let watch: JobEventWatch | undefined;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await watch?.close();
    await harness?.close();
    watch = undefined;
    harness = undefined;
  });
  afterAll(async () => {
    await receiver?.close();
  });

  async function start(gate: GatedRuntime | null, options: BatchHarnessOptions = {}) {
    harness = await startBatchHarness(testConfig({ deployments: { local: { provider: 'mock', concurrency: 2 } } }), {
      ...options,
      runtimes: gate ? new Map([['local', gate.runtime]]) : undefined,
    });
    watch = await watchJobEvents(harness.redis, harness.keys.jobEvents());
    const client = harness.client((await harness.gateway.createKey('team-life')).key);
    return { harness, client, watch };
  }

  async function waitingLineJobs(h: BatchHarness): Promise<number> {
    const name = llmQueueName('local');
    const queue = new Queue(name, { connection: h.redis, prefix: h.keys.bullPrefix(name) });
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
    await queue.close();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  const create = (client: OpenAI, fileId: string, window = '24h') =>
    client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: window, webhook: { url: receiver.url } } as BatchParams);

  it('cancels a running batch: queued lines stop, running lines finish, every line is accounted for', async () => {
    const gate = gatedMockRuntime();
    const { harness: h, client, watch: events } = await start(gate);
    const file = await h.upload(client, Array.from({ length: 12 }, (_, i) => chatLine(`c${i + 1}`, `cancel me ${i + 1}`)));
    const created = await create(client, file.id);
    await gate.arrived(2);

    // Progress is visible while it runs, and the input file cannot be deleted from under it.
    const running = await client.batches.retrieve(created.id);
    expect(running).toMatchObject({ status: 'in_progress', request_counts: { total: 12, completed: 0, failed: 0 } });
    await expect(client.files.delete(file.id)).rejects.toMatchObject({ status: 409 });

    const cancelling = await client.batches.cancel(created.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).toBeGreaterThan(0);
    expect((await client.batches.cancel(created.id)).status).toBe('cancelling');
    // The ten queued lines are cancelled (their jobs end) while the two running ones still hold.
    await events.until(10, (e) => e.status === 'cancelled');
    expect(await waitingLineJobs(h)).toBe(0);
    gate.open();

    const { event } = await batchEnded(receiver, created.id);
    expect(event.type).toBe('batch.cancelled');
    const batch = await client.batches.retrieve(created.id);
    expect(batch).toMatchObject({ status: 'cancelled', request_counts: { total: 12, completed: 2, failed: 10 }, finalizing_at: null });
    expect(batch.cancelled_at).toBeGreaterThanOrEqual(batch.cancelling_at!);
    expect(gate.started).toBe(2);

    const output = jsonl<{ custom_id: string; response: { status_code: number } }>(await (await client.files.content(batch.output_file_id!)).text());
    const errors = jsonl<ErrorLine>(await (await client.files.content(batch.error_file_id!)).text());
    expect(output.map((l) => l.response.status_code)).toEqual([200, 200]);
    expect(errors).toHaveLength(10);
    expect(errors.every((l) => l.response === null && l.error?.code === 'batch_cancelled')).toBe(true);
    expect(new Set([...output, ...errors].map((l) => l.custom_id)).size).toBe(12);
    await expect(client.batches.cancel(created.id)).rejects.toMatchObject({ status: 409 });
    expect((await client.files.delete(file.id)).deleted).toBe(true);
  });

  it('expires a batch past its completion window: unfinished lines get batch_expired error lines', async () => {
    const gate = gatedMockRuntime();
    let skewMs = 0;
    const { harness: h, client, watch: events } = await start(gate, { now: () => Date.now() + skewMs, batches: { inFlightLines: 4 } });
    const file = await h.upload(client, Array.from({ length: 10 }, (_, i) => chatLine(`e${i + 1}`, `expire me ${i + 1}`)));
    const created = await create(client, file.id, '1h');
    await gate.arrived(2);
    expect(created.expires_at ?? (await client.batches.retrieve(created.id)).expires_at).toBe(created.created_at + 3600);

    // Two lines run, two wait in the queue (the in-flight window is 4), six were never submitted.
    skewMs = 2 * 3600 * 1000;
    await events.until(2, (e) => e.status === 'cancelled');
    gate.open();

    const { event } = await batchEnded(receiver, created.id);
    expect(event.type).toBe('batch.expired');
    const batch = await client.batches.retrieve(created.id);
    expect(batch).toMatchObject({ status: 'expired', request_counts: { total: 10, completed: 2, failed: 8 } });
    expect(batch.expired_at).toBeGreaterThan(0);
    const errors = jsonl<ErrorLine>(await (await client.files.content(batch.error_file_id!)).text());
    expect(errors).toHaveLength(8);
    for (const line of errors) {
      expect(line).toMatchObject({ response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } });
    }
    expect(gate.started).toBe(2);
  });

  it('collects every line from a sweep alone when no job events are heard', async () => {
    const { harness: h, client } = await start(null, { listenForEvents: false, batches: { sweepIntervalMs: 100 } });
    const file = await h.upload(client, Array.from({ length: 20 }, (_, i) => chatLine(`s${i}`, `sweep ${i}`)));
    const created = await create(client, file.id);
    const { event } = await batchEnded(receiver, created.id);
    expect(event.data.request_counts).toEqual({ total: 20, completed: 20, failed: 0 });
    expect(jsonl(await (await client.files.content(event.data.output_file_id!)).text())).toHaveLength(20);
  });

  it('answers lines from the response cache without calling the vendor again', async () => {
    const gate = gatedMockRuntime();
    gate.open();
    harness = await startBatchHarness(
      testConfig({ deployments: { local: { provider: 'mock' } }, cache: { exact: { enabled: true }, semantic: { enabled: false } } }),
      { runtimes: new Map([['local', gate.runtime]]), withCache: true },
    );
    const client = harness.client((await harness.gateway.createKey('team-cached')).key);
    const lines = Array.from({ length: 3 }, (_, i) => chatLine(`k${i}`, `cache me ${i}`));
    const first = await create(client, (await harness.upload(client, lines)).id);
    const done = (await batchEnded(receiver, first.id)).event.data;
    expect(gate.started).toBe(3);
    const second = await create(client, (await harness.upload(client, lines)).id);
    const again = (await batchEnded(receiver, second.id)).event.data;
    expect(again.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
    expect(gate.started).toBe(3);
    const text = async (id: string) => jsonl<{ custom_id: string; response: { body: OpenAI.ChatCompletion } }>(await (await client.files.content(id)).text());
    const answers = (out: Awaited<ReturnType<typeof text>>) => Object.fromEntries(out.map((l) => [l.custom_id, l.response.body.choices[0]?.message.content]));
    expect(answers(await text(again.output_file_id!))).toEqual(answers(await text(done.output_file_id!)));
  });

  describe('with S3 storage', () => {
    let s3: FakeS3;
    beforeAll(async () => {
      s3 = await startFakeS3();
    });
    afterAll(async () => {
      await s3?.close();
    });

    it('uploads, runs and serves a batch with every byte in the bucket', async () => {
      const storage = new S3Storage({ endpoint: s3.url, bucket: s3.bucket, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, keyPrefix: 'files/', forcePathStyle: true, partSizeBytes: 5 * 1024 * 1024, timeoutMs: 5000 });
      const { harness: h, client } = await start(null, { storage, batches: { flushBytes: 1024 } });
      const file = await h.upload(client, Array.from({ length: 15 }, (_, i) => chatLine(`s3-${i}`, `bucket ${i}`)));
      expect(s3.objects.has(`files/${file.id}/000000`)).toBe(true);
      const created = await create(client, file.id);
      const { event } = await batchEnded(receiver, created.id);
      const output = await (await client.files.content(event.data.output_file_id!)).text();
      expect(jsonl(output)).toHaveLength(15);
      const parts = [...s3.objects.keys()].filter((k) => k.startsWith(`files/${event.data.output_file_id}/`));
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.map((k) => s3.objects.get(k)!.toString()).join('')).toBe(output);
      expect(s3.rejected).toBe(0);
      // No file content ever sits in Redis: only metadata and small buffers.
      for (const key of await h.redis.keys(`${h.keys.prefix}:file:*`)) expect(await h.redis.type(key)).not.toBe('string');
    });
  });
});
