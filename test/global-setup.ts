import { spawnSync } from 'node:child_process';
import { redisAnswers, waitForRedis } from '../shared/redis/connect-redis.js';

/** Makes sure a Redis answers at TEST_REDIS_URL (default 127.0.0.1:6379), starting a local one if a binary exists. */
export default async function setup(): Promise<void> {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return;
  const started = spawnSync('redis-server', ['--daemonize', 'yes', '--port', new URL(url).port || '6379', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  if (started.error || !(await waitForRedis(url))) {
    throw new Error(`No Redis answers at ${url} and none could be started; install redis-server.`);
  }
}
