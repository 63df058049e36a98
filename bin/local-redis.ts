import { spawnSync } from 'node:child_process';
import { redisAnswers, waitForRedis } from '../shared/redis/connect-redis.js';

/**
 * Makes sure a Redis answers at `url`. When none does, the URL is local and a `redis-server`
 * binary is on PATH, starts one (daemonized, no persistence) and says so; otherwise returns why not.
 */
export async function ensureLocalRedis(url: string, log: (line: string) => void): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (await redisAnswers(url)) return { ok: true };
  const parsed = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(parsed.hostname);
  if (!local) {
    return { ok: false, reason: `No Redis answers at ${url}. Check that it is running and reachable from here, or set REDIS_URL to a reachable Redis 7+.` };
  }
  // Probing the binary itself (no shell) tells "not installed" apart from "installed but failing".
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    return {
      ok: false,
      reason: `No Redis answers at ${url}, and no redis-server binary is on PATH to start one. Install Redis 7+ (e.g. 'apt-get install redis-server', 'brew install redis', or 'docker run -p 6379:6379 redis:7'), or set REDIS_URL to a reachable Redis.`,
    };
  }
  const port = parsed.port || '6379';
  log(`No Redis answered at ${url}; starting a local redis-server on port ${port} (no persistence).`);
  spawnSync('redis-server', ['--daemonize', 'yes', '--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  return (await waitForRedis(url)) ? { ok: true } : { ok: false, reason: `Started redis-server on port ${port}, but it did not answer at ${url} within 5 s. Run 'redis-server --port ${port}' yourself to see why.` };
}
