import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lineJobId } from '../../shared/batches/line-job.js';
import type { FileStorage } from '../../shared/files/file-storage.js';
import { LocalDiskStorage } from '../../shared/files/local-disk-storage.js';
import { estimateRequestTokens, keyScope, TokenBuckets } from '../../shared/rate-limit/index.js';
import { Budgets } from '../../shared/usage/budgets.js';
import { testConfig } from '../helpers/test-gateway.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { jsonl, startBatchHarness, type BatchHarness, type BatchHarnessOptions } from './batch-harness.js';
import { gatedMockRuntime } from './gated-runtime.js';
import { watchJobEvents } from './job-event-watch.js';
import { batchEnded } from './webhook-wait.js';

type BatchParams = OpenAI.BatchCreateParams & { webhook?: { url: string } };
type OutputLine = { custom_id: string; response: { status_code: number; request_id: string | null; body: { usage?: { total_tokens: number }; error?: { code: string; type: string } } } | null; error: unknown };

/** 1,000 USD per 1M tokens: 1,000 µ$ a token, so a few lines spend a small budget. */
const MICROS_PER_TOKEN = 1000;
const request = (i: number) => ({ model: 'mock', messages: [{ role: 'user' as const, content: `spend some ${i}` }], max_tokens: 10 });
const line = (i: number) => ({ custom_id: `line-${i}`, method: 'POST', url: '/v1/chat/completions', body: request(i) });

/**
 * Batch lines pass the same key and team admission as API requests: budgets (spend stays within the
 * team's, lines past it fail `budget_exceeded`), RPM (lines wait, they do not fail), and a batch's
 * line records leave Redis once their answers are in storage. Driven through the official SDK.
 */
describe('batch admission and retention', () => {
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let harness: BatchHarness | undefined;
  const config = testConfig({ deployments: { local: { provider: 'mock', concurrency: 4 } }, pricing: { 'mock-1': { input: 1000, output: 1000 } } });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  afterAll(async () => {
    await receiver?.close();
  });

  async function start(options: BatchHarnessOptions = {}): Promise<BatchHarness> {
    harness = await startBatchHarness(config, options);
    return harness;
  }
  const create = (client: OpenAI, fileId: string) =>
    client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h', webhook: { url: receiver.url } } as BatchParams);
  const content = async (client: OpenAI, id: string | null | undefined) => (id ? jsonl<OutputLine>(await (await client.files.content(id)).text()) : []);
  const newKey = async (h: BatchHarness, body: Record<string, unknown>) => {
    const res = await h.gateway.admin('/admin/keys', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; key: string };
  };

  it('refuses to create a batch when the team budget is already spent (429 budget_exceeded, no batch)', async () => {
    const h = await start();
    const put = await h.gateway.admin('/admin/teams/team-spent', { method: 'PUT', body: JSON.stringify({ budget_usd: 0.0001, budget_period: 'daily' }) });
    expect(put.status).toBe(200);
    const client = h.client((await newKey(h, { team: 'team-spent' })).key);
    const file = await h.upload(client, [line(1)]);
    // Earlier traffic spent the whole budget: 150 µ$ reserved and settled against 100 µ$.
    const budgets = new Budgets(h.redis, config.redis.keyPrefix);
    const spend = await budgets.reserve([{ team: 'team-spent', scope: 'team', limitUsd: 0.0001, period: 'daily' }], 50);
    if (!spend.ok) throw new Error('the first reservation fits the budget');
    await budgets.settle(spend.hold, 150);
    const refused = await create(client, file.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect(refused).toMatchObject({ status: 429, code: 'budget_exceeded' });
    expect((await client.batches.list()).data).toHaveLength(0);
  });

  it('keeps a batch within its team budget: spend is charged to the team, lines past it end budget_exceeded', async () => {
    const h = await start();
    const budgetMicros = 100_000;
    const put = await h.gateway.admin('/admin/teams/team-budget', { method: 'PUT', body: JSON.stringify({ budget_usd: budgetMicros / 1e6, budget_period: 'daily' }) });
    expect(put.status).toBe(200);
    const client = h.client((await newKey(h, { team: 'team-budget' })).key);
    const file = await h.upload(client, Array.from({ length: 20 }, (_, i) => line(i + 1)));
    const batch = await create(client, file.id);

    const { event } = await batchEnded(receiver, batch.id);
    expect(event.type).toBe('batch.completed');
    const done = await client.batches.retrieve(batch.id);
    const output = await content(client, done.output_file_id);
    const errors = await content(client, done.error_file_id);
    expect(done.request_counts).toEqual({ total: 20, completed: output.length, failed: errors.length });
    expect([...output, ...errors].map((l) => l.custom_id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `line-${i + 1}`).sort());
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e).toMatchObject({ response: { status_code: 429, request_id: null, body: { error: { code: 'budget_exceeded', type: 'insufficient_quota' } } }, error: null });
    }

    // The team's budget holds exactly what the batch's lines really cost, and no hold is left over.
    const costs = output.map((l) => l.response!.body.usage!.total_tokens * MICROS_PER_TOKEN);
    const spentMicros = costs.reduce((a, b) => a + b, 0);
    const state = await new Budgets(h.redis, config.redis.keyPrefix).state('team-budget', 'team', 'daily');
    expect(Math.round(state.spentUsd * 1e6)).toBe(spentMicros);
    expect(state.reservedUsd).toBe(0);
    // Within the budget plus one line's estimate error (here the real cost is below the estimate).
    const estimateMicros = estimateRequestTokens(request(1), 4096) * MICROS_PER_TOKEN;
    expect(spentMicros).toBeLessThanOrEqual(budgetMicros + Math.max(0, Math.max(...costs) - estimateMicros));
    // Lines waited for in-flight holds to settle instead of failing: more ran than estimates fit at once.
    expect(Math.max(...costs)).toBeLessThan(estimateMicros);
    expect(output.length).toBeGreaterThan(Math.floor(budgetMicros / estimateMicros));

    // Answers are in storage: each line's job record (prompt and answer) expires soon.
    for (const l of output) {
      const ttl = await h.redis.ttl(h.keys.job(l.response!.request_id!));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(h.batches.lineRecordTtlSeconds);
    }
  }, 30_000);

  it('gives back the budget holds of queued lines a cancel stops, and charges the lines that ran', async () => {
    const gate = gatedMockRuntime();
    const h = await start({ runtimes: new Map([['local', gate.runtime]]) });
    const put = await h.gateway.admin('/admin/teams/team-cancel', { method: 'PUT', body: JSON.stringify({ budget_usd: 10, budget_period: 'daily' }) });
    expect(put.status).toBe(200);
    const client = h.client((await newKey(h, { team: 'team-cancel' })).key);
    const file = await h.upload(client, Array.from({ length: 10 }, (_, i) => line(i + 1)));
    const batch = await create(client, file.id);
    await gate.arrived(4); // the deployment's concurrency: four lines run, six wait in its queue
    const budgets = new Budgets(h.redis, config.redis.keyPrefix);
    const estimateMicros = estimateRequestTokens(request(1), 4096) * MICROS_PER_TOKEN;
    expect(Math.round((await budgets.state('team-cancel', 'team', 'daily')).reservedUsd * 1e6)).toBe(10 * estimateMicros);

    const events = await watchJobEvents(h.redis, h.keys.jobEvents());
    try {
      await client.batches.cancel(batch.id);
      // The six queued lines are cancelled (their jobs end) while the four running ones still hold.
      await events.until(6, (e) => e.status === 'cancelled');
    } finally {
      await events.close();
    }
    gate.open();
    const { event } = await batchEnded(receiver, batch.id);
    expect(event.type).toBe('batch.cancelled');
    expect(event.data.request_counts).toEqual({ total: 10, completed: 4, failed: 6 });
    const output = await content(client, (await client.batches.retrieve(batch.id)).output_file_id);
    const ran = output.reduce((sum, l) => sum + l.response!.body.usage!.total_tokens * MICROS_PER_TOKEN, 0);
    const state = await budgets.state('team-cancel', 'team', 'daily');
    expect(state.reservedUsd).toBe(0);
    expect(Math.round(state.spentUsd * 1e6)).toBe(ran);
  }, 30_000);

  it("paces lines to the key's RPM instead of failing them, and drops their records once written out", async () => {
    const h = await start({ batches: { lineRecordTtlSeconds: 0 } });
    const key = await newKey(h, { team: 'team-rpm', rpm: 120 });
    // Use up the key's minute: from here it refills at 2 requests a second.
    const drained = await new TokenBuckets(h.redis, config.redis.keyPrefix).reserve([{ scope: keyScope('team-rpm', key.id), rpm: 120 }], { requests: 120, tokens: 0 });
    expect(drained.ok).toBe(true);
    const client = h.client(key.key);
    const file = await h.upload(client, Array.from({ length: 4 }, (_, i) => line(i + 1)));
    const began = performance.now();
    const batch = await create(client, file.id);

    const { event } = await batchEnded(receiver, batch.id);
    const elapsedMs = performance.now() - began;
    expect(event.type).toBe('batch.completed');
    expect(event.data.request_counts).toEqual({ total: 4, completed: 4, failed: 0 });
    // Four requests at 2 a second: about 2 s (without pacing the batch takes a fraction of that).
    expect(elapsedMs).toBeGreaterThan(1400);
    const output = await content(client, (await client.batches.retrieve(batch.id)).output_file_id);
    expect(output.map((l) => l.custom_id).sort()).toEqual(['line-1', 'line-2', 'line-3', 'line-4']);
    for (let n = 1; n <= 4; n++) expect(await h.redis.exists(h.keys.job(lineJobId(batch.id, n)))).toBe(0);
  }, 30_000);

  it('submits no new lines while file storage fails, and finishes every line once it recovers', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'sy-batch-flaky-'));
    const storage = flakyStorage(new LocalDiskStorage(directory));
    try {
      const h = await start({ storage, batches: { inFlightLines: 4 } });
      const client = h.client((await h.gateway.createKey('team-flaky')).key);
      const file = await h.upload(client, Array.from({ length: 12 }, (_, i) => line(i + 1)));
      storage.failing = true;
      const batch = await create(client, file.id);

      // Three ticks failed writing a segment: the window's lines ran, no more were submitted.
      await storage.failures(3);
      const stalled = (await h.batchStore.get(batch.id))!;
      expect(stalled.submitted).toBe(4);
      expect(await h.redis.llen(h.batchStore.keys.buffer(batch.id, 'out'))).toBeLessThanOrEqual(4);

      storage.failing = false;
      const { event } = await batchEnded(receiver, batch.id);
      expect(event.type).toBe('batch.completed');
      expect(event.data.request_counts).toEqual({ total: 12, completed: 12, failed: 0 });
      const output = await content(client, (await client.batches.retrieve(batch.id)).output_file_id);
      expect(output.map((l) => l.custom_id).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `line-${i + 1}`).sort());
    } finally {
      await harness?.close();
      harness = undefined;
      await rm(directory, { recursive: true, force: true });
    }
  }, 30_000);
});

/** A storage whose writes fail while `failing` is set; `failures(n)` resolves once n writes have failed. */
function flakyStorage(inner: FileStorage): FileStorage & { failing: boolean; failures(n: number): Promise<void> } {
  let failed = 0;
  const waiting: Array<{ n: number; resolve: () => void }> = [];
  return {
    failing: false,
    async put(key, body) {
      if (!this.failing) return inner.put(key, body);
      failed += 1;
      for (const w of waiting.filter((w) => failed >= w.n)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
      throw new Error('storage unavailable');
    },
    get: (key, start) => inner.get(key, start),
    delete: (key) => inner.delete(key),
    failures(n) {
      return new Promise((resolve) => (failed >= n ? resolve() : waiting.push({ n, resolve })));
    },
  };
}
