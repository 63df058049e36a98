import { Redis, type RedisOptions } from 'ioredis';

/**
 * Opens a Redis connection suitable for BullMQ (which requires `maxRetriesPerRequest: null`).
 * Entry points call this; everything else receives clients as arguments.
 */
export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

/** Resolves true when a Redis answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Waits up to `timeoutMs` for a Redis (e.g. one just started) to answer at `url`. */
export async function waitForRedis(url: string, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await redisAnswers(url, 200)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
