import { Queue } from 'bullmq';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';
import { llmQueueName } from '../../shared/queues/queue-names.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { testRedis } from './test-redis.js';

/** Total jobs ever added to a deployment's queue in any state (to prove a bad request enqueued nothing). */
export async function queuedJobTotal(config: SwitchyardConfig, deployment: string): Promise<number> {
  const name = llmQueueName(deployment);
  const connection = testRedis();
  const queue = new Queue(name, { connection, prefix: new RedisKeys(config.redis.keyPrefix).bullPrefix(name) });
  const counts = await queue.getJobCounts();
  await queue.close();
  await connection.quit();
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}
