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
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (!local || which.status !== 0) {
    return {
      ok: false,
      reason: `No Redis answers at ${url}. Start one (e.g. 'redis-server', or 'apt-get install redis-server'), or set REDIS_URL to a reachable Redis 7+.`,
    };
  }
  log(`No Redis answered at ${url}; starting a local redis-server on port ${parsed.port || '6379'} (no persistence).`);
  spawnSync('redis-server', ['--daemonize', 'yes', '--port', parsed.port || '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  return (await waitForRedis(url)) ? { ok: true } : { ok: false, reason: `Started redis-server, but it did not answer at ${url}.` };
}
