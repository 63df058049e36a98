import { Redis } from 'ioredis';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { TEST_REDIS_URL } from '../../test/helpers/test-redis.js';
import { wallClockMs } from './stats.js';

export interface JobEventCounter {
  /** Terminal events seen, by status. */
  readonly counts: Record<string, number>;
  readonly total: number;
  /** Wall clock (ms) of the first and the latest terminal event. */
  readonly firstAt: number | null;
  readonly lastAt: number | null;
  /** Resolves true once `total` reaches `count`, false after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Counts job terminal events on the run's job events channel (the one each API process listens to:
 * `<prefix>:events:jobs`, messages `{"id", "status", "job"}`), without parsing whole messages.
 */
export async function countJobEvents(prefix: string): Promise<JobEventCounter> {
  const subscriber = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const counts: Record<string, number> = {};
  let total = 0;
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  const waiters: Array<{ count: number; resolve: (ok: boolean) => void }> = [];
  subscriber.on('message', (_channel: string, message: string) => {
    const status = /"status":"(\w+)"/.exec(message)?.[1] ?? 'unknown';
    counts[status] = (counts[status] ?? 0) + 1;
    total += 1;
    lastAt = wallClockMs();
    firstAt ??= lastAt;
    for (const waiter of waiters.filter((w) => total >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(true);
    }
  });
  await subscriber.subscribe(new RedisKeys(prefix).jobEvents());
  return {
    counts,
    get total() {
      return total;
    },
    get firstAt() {
      return firstAt;
    },
    get lastAt() {
      return lastAt;
    },
    waitFor(count, timeoutMs) {
      if (total >= count) return Promise.resolve(true);
      return new Promise((resolve) => {
        const waiter = { count, resolve: (ok: boolean) => (clearTimeout(timer), resolve(ok)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve(false);
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async close() {
      await subscriber.quit();
    },
  };
}
