import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export const HAS_REDIS_SERVER = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;

/**
 * A private redis-server with append-only persistence (fsync on every write), in its own temp dir,
 * that a test can SIGKILL and start again on the same port and data.
 */
export async function startPersistentRedis(port: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-redis-'));
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: (n) => (n > 100 ? null : 50), maxRetriesPerRequest: null });
    await probe.connect().catch(() => undefined);
    await probe.ping();
    probe.disconnect();
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    /** SIGKILL: no shutdown save, only what the append-only file already holds survives. */
    async kill(): Promise<void> {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child!.kill('SIGKILL');
      await exited;
    },
    restart: start,
    async stop(): Promise<void> {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
