import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BatchConfig } from '../../shared/batches/batch-config.js';
import type { BatchQueues } from '../../shared/batches/batch-queues.js';
import type { BatchStore } from '../../shared/batches/batch-store.js';
import type { SemanticCache } from '../../shared/cache/semantic-cache.js';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';
import type { FileStore } from '../../shared/files/file-store.js';
import type { JobStore } from '../../shared/jobs/job-store.js';
import type { LineAdmission } from '../../shared/batches/line-admission.js';
import type { KeyStore } from '../../shared/keys/key-store.js';
import type { LlmQueues } from '../../shared/queues/llm-queues.js';
import type { RedisKeys } from '../../shared/redis/redis-keys.js';
import type { UsageAccountant } from '../../shared/usage/usage-accountant.js';

/** Everything the batch runner needs, built by startBatchWorkers (or a test). */
export interface BatchWorkerDeps {
  config: SwitchyardConfig;
  batches: BatchConfig;
  redis: Redis;
  keys: RedisKeys;
  batchStore: BatchStore;
  files: FileStore;
  jobs: JobStore;
  queues: LlmQueues;
  batchQueues: BatchQueues;
  keyStore: KeyStore;
  /** Admits each line against the batch's key and team (RPM/TPM, budgets) before it is submitted. */
  admission: LineAdmission;
  /** Lines answered from the response cache skip the queue; null when the cache is off. */
  cache: SemanticCache | null;
  /** Records lines answered from the cache in the usage ledger (vendor calls are recorded by the workers). */
  accountant: UsageAccountant | null;
  logger: Logger;
  /** Epoch ms; replaced in tests where time (expiry) is the subject. */
  now: () => number;
}
