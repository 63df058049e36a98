import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { spawnReady } from './spawn-ready.js';

export interface PrivateRedis {
  url: string;
  /** `INFO` of the server, parsed into numbers where it can be. */
  info(section: string): Promise<Record<string, string>>;
  resetStats(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A throw-away redis-server on 127.0.0.1 (no persistence) for measurements that read server-wide
 * counters (`INFO commandstats`, `INFO cpu`): on the shared Redis, other people's tests would
 * count too.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const proc = await spawnReady('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { ready: /Ready to accept connections/ });
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  return {
    url,
    async info(section) {
      const text = await client.info(section);
      return Object.fromEntries(text.split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
    },
    async resetStats() {
      await client.config('RESETSTAT');
    },
    async stop() {
      client.disconnect();
      await proc.stop();
    },
  };
}
