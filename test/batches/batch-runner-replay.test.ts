import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchConfigSchema } from '../../shared/batches/batch-config.js';
import { BatchQueues } from '../../shared/batches/batch-queues.js';
import { newBatchHash } from '../../shared/batches/batch-record.js';
import { BatchStore } from '../../shared/batches/batch-store.js';
import { LineAdmission } from '../../shared/batches/line-admission.js';
import { lineJobId } from '../../shared/batches/line-job.js';
import { LocalDiskStorage } from '../../shared/files/local-disk-storage.js';
import { FileStore } from '../../shared/files/file-store.js';
import { JobStore } from '../../shared/jobs/job-store.js';
import { KeyStore } from '../../shared/keys/key-store.js';
import { TeamPolicies } from '../../shared/keys/team-policies.js';
import { TokenBuckets } from '../../shared/rate-limit/index.js';
import { AdmissionGate } from '../../shared/usage/admission-gate.js';
import { Budgets } from '../../shared/usage/budgets.js';
import { PriceTable } from '../../shared/usage/price-table.js';
import { LlmQueues } from '../../shared/queues/llm-queues.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { runBatchTick } from '../../workers/batches/batch-tick.js';
import type { BatchWorkerDeps } from '../../workers/batches/batch-worker-deps.js';
import { testConfig } from '../helpers/test-gateway.js';
import { deletePrefix, testPrefix, testRedis } from '../helpers/test-redis.js';
import { chatLine, jsonl } from './batch-harness.js';

/**
 * The runner driven tick by tick, with no LLM workers: a tick replayed after a crash neither loses
 * nor duplicates a line, and a stale tick does nothing.
 */
describe('batch runner replay', () => {
  const prefix = testPrefix('replay');
  const config = testConfig({}, prefix);
  const redis = testRedis();
  const keys = new RedisKeys(prefix);
  let directory = '';
  let deps: BatchWorkerDeps;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'sy-replay-'));
    const batches = batchConfigSchema.parse({ storage: { kind: 'local', directory }, sweepIntervalMs: 1, flushBytes: 1024 });
    const keyStore = new KeyStore(redis, keys);
    const gate = new AdmissionGate(redis, new TokenBuckets(redis, prefix), new Budgets(redis, prefix));
    deps = {
      config,
      batches,
      redis,
      keys,
      batchStore: new BatchStore(redis, prefix),
      files: new FileStore(redis, prefix, new LocalDiskStorage(directory)),
      jobs: new JobStore(redis, keys, 3600),
      queues: new LlmQueues(redis, keys),
      batchQueues: new BatchQueues(redis, keys, config.webhooks),
      keyStore,
      admission: new LineAdmission(gate, new TeamPolicies(redis, prefix), keyStore, new PriceTable(), config.deployments),
      cache: null,
      accountant: null,
      logger: pino({ level: 'silent' }),
      now: Date.now,
    };
  });
  afterAll(async () => {
    await deps.batchQueues.close();
    await deps.queues.close();
    await deletePrefix(redis, prefix);
    await redis.quit();
    await rm(directory, { recursive: true, force: true });
  });

  let keyId = '';
  async function newBatch(lines: number): Promise<string> {
    keyId ||= (await deps.keyStore.create({ team: 'team-r' })).record.id;
    const fileId = FileStore.newId();
    const text = Array.from({ length: lines }, (_, i) => JSON.stringify(chatLine(`r${i + 1}`, `replay ${i + 1}`))).join('\n') + '\n';
    const bytes = await deps.files.writeUpload(fileId, Readable.from([Buffer.from(text)]), 1 << 20);
    await deps.files.create({ v: 1, id: fileId, team: 'team-r', filename: 'in.jsonl', purpose: 'batch', bytes, parts: 1, createdAt: 1, expiresAt: null });
    const id = BatchStore.newId();
    expect(await deps.files.addRef(fileId, 'team-r', id)).toBe('ok');
    await deps.batchStore.create(
      newBatchHash({ id, team: 'team-r', keyId, endpoint: '/v1/chat/completions', inputFileId: fileId, completionWindow: '24h', windowSeconds: 86_400, createdAt: Math.floor(Date.now() / 1000), metadata: null, webhook: null, outputFileId: FileStore.newId(), errorFileId: FileStore.newId() }),
    );
    return id;
  }

  const attemptsQueued = async () => (await deps.queues.queue('local').getJobCounts('prioritized', 'waiting')).prioritized!;

  it('resubmits nothing twice after a crash before the cursor moved, and re-adds a lost attempt', async () => {
    const id = await newBatch(30);
    await runBatchTick(deps, { v: 1, batchId: id, tick: 0, failures: 0 });
    expect(await attemptsQueued()).toBe(30);
    expect(await deps.batchStore.pendingCount(id)).toBe(30);

    // The crash: the cursor never advanced, and line 5's attempt never reached its queue.
    await deps.batchStore.setFields(id, { cursor_line: '1', cursor_byte: '0', submitted: '0' });
    await deps.queues.remove('local', (await deps.jobs.get(lineJobId(id, 5)))!);
    const started = await deps.jobs.start(lineJobId(id, 7), 1); // line 7 already running
    expect(started.outcome).toBe('run');

    await runBatchTick(deps, { v: 1, batchId: id, tick: 1, failures: 0 });
    expect(await attemptsQueued()).toBe(30);
    expect((await deps.batchStore.get(id))!.submitted).toBe(30);
    expect((await deps.jobs.get(lineJobId(id, 7)))!.status).toBe('running');

    // Every line ends (as a worker would end it); the runner's sweep collects them, then it finalizes.
    for (let line = 1; line <= 30; line++) {
      const { record } = line === 7 ? { record: (await deps.jobs.get(lineJobId(id, 7)))! } : await deps.jobs.start(lineJobId(id, line), 1);
      const result = { id: 'x', object: 'chat.completion' as const, created: 1, model: 'mock-1', choices: [{ index: 0, message: { role: 'assistant' as const, content: `answer ${line}`, refusal: null }, logprobs: null, finish_reason: 'stop' as const }], usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } };
      await deps.jobs.finish(record!, { status: 'succeeded', result, attempts: [] });
    }
    await runBatchTick(deps, { v: 1, batchId: id, tick: 2, failures: 0 });
    const batch = (await deps.batchStore.get(id))!;
    expect(batch).toMatchObject({ status: 'completed', completed: 30, failed: 0 });
    const file = (await deps.files.get(batch.outputFileId))!;
    const chunks: Buffer[] = [];
    for await (const chunk of await deps.files.open(file)) chunks.push(chunk as Buffer);
    const output = jsonl<{ custom_id: string }>(Buffer.concat(chunks).toString());
    expect(output.map((l) => l.custom_id).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `r${i + 1}`).sort());
    expect(file.parts).toBeGreaterThan(1);
  });

  it('ignores a stale tick', async () => {
    const id = await newBatch(3);
    await deps.batchStore.setFields(id, { tick: '4' });
    await runBatchTick(deps, { v: 1, batchId: id, tick: 3, failures: 0 });
    expect((await deps.batchStore.get(id))!.status).toBe('validating');
  });
});
