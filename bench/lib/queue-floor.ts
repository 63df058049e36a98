import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { deletePrefix, TEST_REDIS_URL } from '../../test/helpers/test-redis.js';
import { spawnReady } from './spawn-ready.js';
import { benchPrefix } from './switchyard.js';

const SERVER = fileURLToPath(new URL('./queue-floor-server.ts', import.meta.url));

export interface RunningQueueFloor {
  /** `http://127.0.0.1:<port>` of its API process. */
  url: string;
  /** Every Redis key of the run starts with this. */
  prefix: string;
  pids: { api: number; worker: number };
  /** Stops both processes and deletes the run's Redis keys. */
  stop(): Promise<void>;
}

/** Starts the durable-queue baseline (queue-floor-server.ts) in front of the upstream at `upstreamUrl`; `nodeArgs` go to both processes. */
export async function startQueueFloor(upstreamUrl: string, redisUrl = TEST_REDIS_URL, nodeArgs: string[] = []): Promise<RunningQueueFloor> {
  const prefix = benchPrefix('queue-floor');
  const args = (role: string, ...rest: string[]): string[] => [...nodeArgs, '--import', 'tsx', SERVER, role, redisUrl, prefix, ...rest];
  const worker = await spawnReady(process.execPath, args('worker', `${upstreamUrl}/v1/chat/completions`), { ready: /queue-floor worker ready/ });
  const api = await spawnReady(process.execPath, args('api'), { ready: /queue-floor api ready (\d+)/ }).catch(async (err: unknown) => {
    await worker.stop();
    throw err;
  });
  return {
    url: `http://127.0.0.1:${api.match[1]}`,
    prefix,
    pids: { api: api.pid, worker: worker.pid },
    async stop() {
      await Promise.all([api.stop(), worker.stop()]);
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      await deletePrefix(redis, prefix);
      await redis.quit();
    },
  };
}
