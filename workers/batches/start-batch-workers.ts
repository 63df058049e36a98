import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BatchConfig } from '../../shared/batches/batch-config.js';
import { BATCH_QUEUE, BATCH_WEBHOOK_QUEUE, BatchQueues, batchTickDataSchema } from '../../shared/batches/batch-queues.js';
import { BatchStore } from '../../shared/batches/batch-store.js';
import { LineAdmission } from '../../shared/batches/line-admission.js';
import type { SemanticCache } from '../../shared/cache/semantic-cache.js';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';
import { createFileStorage } from '../../shared/files/create-file-storage.js';
import type { FileStorage } from '../../shared/files/file-storage.js';
import { FileStore } from '../../shared/files/file-store.js';
import type { JobStore } from '../../shared/jobs/job-store.js';
import type { KeyStore } from '../../shared/keys/key-store.js';
import { TeamPolicies } from '../../shared/keys/team-policies.js';
import { TokenBuckets } from '../../shared/rate-limit/index.js';
import { AdmissionGate } from '../../shared/usage/admission-gate.js';
import { Budgets } from '../../shared/usage/budgets.js';
import { PriceTable } from '../../shared/usage/price-table.js';
import type { LlmQueues } from '../../shared/queues/llm-queues.js';
import type { RedisKeys } from '../../shared/redis/redis-keys.js';
import type { UsageAccountant } from '../../shared/usage/usage-accountant.js';
import { runBatchTick } from './batch-tick.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';
import { deliverBatchWebhook } from './deliver-batch-webhook.js';
import { listenForLineEvents } from './job-event-listener.js';

export interface StartBatchWorkersDeps {
  config: SwitchyardConfig;
  batches: BatchConfig;
  /** Shared connection (BullMQ duplicates it for blocking reads; the event listener for pub/sub). */
  redis: Redis;
  keys: RedisKeys;
  store: JobStore;
  queues: LlmQueues;
  keyStore: KeyStore;
  cache: SemanticCache | null;
  /** The usage ledger's writer, for lines answered from the cache; omit to leave them out of the ledger. */
  accountant?: UsageAccountant;
  logger: Logger;
  /** Built from `batches.storage` when omitted. */
  storage?: FileStorage;
  /** Key/team admission of lines; built over this Redis (the API's buckets and budgets) when omitted. */
  admission?: LineAdmission;
  /** Epoch ms clock; tests replace it where expiry is the subject. */
  now?: () => number;
  /** Collect lines from job events (default true); tests turn it off to prove the sweep alone suffices. */
  listenForEvents?: boolean;
}

export interface BatchWorkers {
  /** The batch queues, for Bull Board. */
  queues: BatchQueues;
  isRunning(): boolean;
  /** Stops taking ticks and deliveries, waiting for running ones (up to `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/**
 * The worker role of the Batch API: the runner (BullMQ queue `batches`, one tick at a time per
 * batch), batch webhook deliveries (`batch-webhooks`), and the job-event listener that collects
 * finished lines. Line jobs themselves run on the deployments' own queues, in the WorkerPool.
 */
export async function startBatchWorkers(input: StartBatchWorkersDeps): Promise<BatchWorkers> {
  const { config, keys, redis, logger } = input;
  const batchQueues = new BatchQueues(redis, keys, config.webhooks);
  const deps: BatchWorkerDeps = {
    config,
    batches: input.batches,
    redis,
    keys,
    batchStore: new BatchStore(redis, keys.prefix),
    files: new FileStore(redis, keys.prefix, input.storage ?? createFileStorage(input.batches.storage)),
    jobs: input.store,
    queues: input.queues,
    batchQueues,
    keyStore: input.keyStore,
    admission: input.admission ?? lineAdmission(input),
    cache: input.cache,
    accountant: input.accountant ?? null,
    logger,
    now: input.now ?? Date.now,
  };
  const lockOptions = {
    lockDuration: config.workers.lockDurationMs,
    stalledInterval: config.workers.stalledIntervalMs,
    maxStalledCount: config.workers.maxStalledCount,
  };
  const ticks = new Worker(BATCH_QUEUE, (job) => runBatchTick(deps, batchTickDataSchema.parse(job.data)), {
    connection: redis,
    prefix: keys.bullPrefix(BATCH_QUEUE),
    concurrency: input.batches.concurrency,
    ...lockOptions,
  });
  const webhooks = new Worker(BATCH_WEBHOOK_QUEUE, (job) => deliverBatchWebhook(deps, job), {
    connection: redis,
    prefix: keys.bullPrefix(BATCH_WEBHOOK_QUEUE),
    concurrency: config.webhooks.concurrency,
    ...lockOptions,
  });
  const workers = [ticks, webhooks];
  for (const worker of workers) worker.on('error', (err) => logger.error({ err: { message: err.message }, queue: worker.name }, 'batch worker error'));
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  const stopListening = input.listenForEvents === false ? async () => undefined : await listenForLineEvents(deps);
  logger.info({ concurrency: input.batches.concurrency }, 'batch workers started');

  return {
    queues: batchQueues,
    isRunning: () => workers.every((w) => w.isRunning()),
    async close(graceMs = 10_000) {
      await stopListening();
      // A tick cut short is replayed by another worker once its lock expires: nothing is lost.
      const closing = Promise.all(workers.map((w) => w.close()));
      const timer = setTimeout(() => void Promise.all(workers.map((w) => w.close(true))), graceMs);
      await closing;
      clearTimeout(timer);
      await batchQueues.close();
    },
  };
}

/** The same token buckets, budgets and team policies (all state in Redis) the API admits against. */
function lineAdmission(input: StartBatchWorkersDeps): LineAdmission {
  const prefix = input.config.redis.keyPrefix;
  const buckets = new TokenBuckets(input.redis, prefix);
  const budgets = new Budgets(input.redis, prefix);
  const gate = new AdmissionGate(input.redis, buckets, budgets);
  return new LineAdmission(gate, new TeamPolicies(input.redis, prefix), input.keyStore, new PriceTable(input.config.pricing), input.config.deployments);
}
