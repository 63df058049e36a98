import { Router, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { BatchConfig } from '../../shared/batches/batch-config.js';
import { BatchQueues } from '../../shared/batches/batch-queues.js';
import { BatchStore } from '../../shared/batches/batch-store.js';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';
import { createFileStorage } from '../../shared/files/create-file-storage.js';
import type { FileStorage } from '../../shared/files/file-storage.js';
import { FileStore } from '../../shared/files/file-store.js';
import type { RedisKeys } from '../../shared/redis/redis-keys.js';
import { Budgets } from '../../shared/usage/budgets.js';
import { spentBudget } from '../../shared/usage/spent-budget.js';
import { TeamPolicies } from '../../shared/keys/team-policies.js';
import { batchesRouter } from './batches-router.js';
import { filesRouter } from './files-router.js';

export interface BatchApiDeps {
  config: SwitchyardConfig;
  batches: BatchConfig;
  redis: Redis;
  keys: RedisKeys;
  /** The virtual-key middleware (`VirtualKeyAuth.middleware`); these routes run before the app's own `/v1` auth. */
  auth: RequestHandler;
  /** Built from `batches.storage` when omitted. */
  storage?: FileStorage;
}

export interface BatchApi {
  /**
   * `/v1/files*` and `/v1/batches*`, authenticated. Mount it before the app's JSON body parser:
   * uploads are multipart and are streamed to storage, never parsed as JSON.
   */
  router: Router;
  /** The batch queues (for Bull Board). */
  queues: BatchQueues;
  close(): Promise<void>;
}

/** The API role of the Files and Batch APIs. */
export function registerBatchApi(deps: BatchApiDeps): BatchApi {
  const files = new FileStore(deps.redis, deps.keys.prefix, deps.storage ?? createFileStorage(deps.batches.storage));
  const batchStore = new BatchStore(deps.redis, deps.keys.prefix);
  const queues = new BatchQueues(deps.redis, deps.keys, deps.config.webhooks);
  const router = Router();
  router.use(['/v1/files', '/v1/batches'], deps.auth);
  router.use(filesRouter({ files, batchStore, maxFileBytes: deps.batches.maxFileBytes }));
  const budgets = new Budgets(deps.redis, deps.keys.prefix);
  const teams = new TeamPolicies(deps.redis, deps.keys.prefix);
  router.use(
    batchesRouter({ batches: deps.batches, batchStore, files, batchQueues: queues, allowPrivateWebhooks: deps.config.webhooks.allowPrivate, spentBudget: (key) => spentBudget(budgets, teams, key) }),
  );
  return { router, queues, close: () => queues.close() };
}
