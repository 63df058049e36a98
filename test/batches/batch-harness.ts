import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import type { Redis } from 'ioredis';
import OpenAI, { toFile } from 'openai';
import { pino } from 'pino';
import { registerBatchApi, type BatchApi } from '../../api/batches/register-batch-api.js';
import { errorHandler } from '../../api/middleware/error-handler.js';
import { VirtualKeyAuth } from '../../api/middleware/virtual-key-auth.js';
import { batchConfigSchema, type BatchConfig, type BatchConfigInput } from '../../shared/batches/batch-config.js';
import { BatchStore } from '../../shared/batches/batch-store.js';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { createFileStorage } from '../../shared/files/create-file-storage.js';
import type { FileStorage } from '../../shared/files/file-storage.js';
import { FileStore } from '../../shared/files/file-store.js';
import { JobStore } from '../../shared/jobs/job-store.js';
import { KeyStore } from '../../shared/keys/key-store.js';
import { LlmQueues } from '../../shared/queues/llm-queues.js';
import { asRedis, createRedisClient } from '../../shared/redis/create-redis-client.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import type { ProviderRuntime } from '../../workers/providers/provider-runtime.js';
import { startBatchWorkers, type BatchWorkers } from '../../workers/batches/start-batch-workers.js';
import { createResponseCache } from '../../bin/create-cache.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

export interface BatchHarnessOptions {
  batches?: BatchConfigInput;
  runtimes?: Map<string, ProviderRuntime>;
  storage?: FileStorage;
  now?: () => number;
  listenForEvents?: boolean;
  /** Build the response cache from the config for the batch runner (its lookups), as bin/gateway.ts does. */
  withCache?: boolean;
}

export interface BatchHarness {
  gateway: TestGateway;
  /** Base URL of the batch API (ends without /v1). */
  url: string;
  batches: BatchConfig;
  redis: Redis;
  keys: RedisKeys;
  jobs: JobStore;
  batchStore: BatchStore;
  files: FileStore;
  workers: BatchWorkers;
  /** An official OpenAI SDK client pointed at the batch API. */
  client(key: string): OpenAI;
  /** Uploads JSONL lines as a batch input file through the SDK. */
  upload(client: OpenAI, lines: readonly unknown[]): Promise<OpenAI.FileObject>;
  close(): Promise<void>;
}

/**
 * The foundation's gateway (API and LLM workers) plus the Batch API composed the way the lead wires
 * it into bin/gateway.ts and api/create-app.ts: the batch router mounted before the app's JSON body
 * parser (which, as in createApp, accepts any content type), the batch workers beside the pool.
 */
export async function startBatchHarness(config: SwitchyardConfig, options: BatchHarnessOptions = {}): Promise<BatchHarness> {
  // The harness composes the Batch API itself (injected clock, storage, event listening).
  const gateway = await startTestGateway(config, { runtimes: options.runtimes, batches: false });
  const directory = await mkdtemp(join(tmpdir(), 'sy-batch-files-'));
  const batches = batchConfigSchema.parse({ tickMs: 50, sweepIntervalMs: 60_000, storage: { kind: 'local', directory }, ...options.batches });
  const redis = asRedis(createRedisClient(config.redis));
  const keys = new RedisKeys(config.redis.keyPrefix);
  const keyStore = new KeyStore(redis, keys);
  const jobs = new JobStore(redis, keys, config.jobs.resultTtlSeconds);
  const queues = new LlmQueues(redis, keys);
  const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });

  const api: BatchApi = registerBatchApi({ config, batches, redis, keys, auth: new VirtualKeyAuth(keyStore).middleware, storage: options.storage });
  const app = express();
  app.use(api.router);
  app.use(express.json({ limit: config.server.bodyLimitBytes, type: () => true }));
  app.use((req, _res, next) => next(new GatewayError('not_found', `Unknown request URL: ${req.method} ${req.path}.`)));
  app.use(errorHandler(logger));
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const cache = options.withCache ? await createResponseCache(config, redis, () => undefined) : null;
  const workers = await startBatchWorkers({
    config,
    batches,
    redis,
    keys,
    store: jobs,
    queues,
    keyStore,
    cache,
    logger,
    storage: options.storage,
    now: options.now,
    listenForEvents: options.listenForEvents,
  });

  return {
    gateway,
    url,
    batches,
    redis,
    keys,
    jobs,
    batchStore: new BatchStore(redis, keys.prefix),
    files: new FileStore(redis, keys.prefix, options.storage ?? createFileStorage(batches.storage)),
    workers,
    client: (key) => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 }),
    async upload(client, lines) {
      const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
      return client.files.create({ file: await toFile(Buffer.from(text), 'input.jsonl'), purpose: 'batch' });
    },
    async close() {
      await workers.close(1000);
      await api.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queues.close();
      await redis.quit();
      await gateway.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** One request line in the OpenAI batch input format. */
export function chatLine(customId: string, content: string, model = 'mock'): Record<string, unknown> {
  return { custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content }] } };
}

/** Parses a JSONL body into objects. */
export function jsonl<T = Record<string, unknown>>(text: string): T[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}
