import type { Redis } from 'ioredis';

export interface JobEventWatch {
  /** Resolves once `count` events matching `predicate` have been seen since the watch began. */
  until(count: number, predicate: (event: { id: string; status: string }) => boolean): Promise<void>;
  close(): Promise<void>;
}

/** Watches the gateway's job events channel, so a test waits on the events themselves. */
export async function watchJobEvents(redis: Redis, channel: string): Promise<JobEventWatch> {
  const subscriber = redis.duplicate();
  const events: Array<{ id: string; status: string }> = [];
  const waiting: Array<{ count: number; predicate: (e: { id: string; status: string }) => boolean; resolve: () => void }> = [];
  const check = (): void => {
    for (const w of [...waiting]) {
      if (events.filter(w.predicate).length >= w.count) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  subscriber.on('message', (_channel: string, message: string) => {
    const { id, status } = JSON.parse(message) as { id: string; status: string };
    events.push({ id, status });
    check();
  });
  await subscriber.subscribe(channel);
  return {
    until(count, predicate) {
      return new Promise((resolve) => {
        waiting.push({ count, predicate, resolve });
        check();
      });
    },
    async close() {
      await subscriber.quit();
    },
  };
}
