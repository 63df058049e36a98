import type { Redis } from 'ioredis';
import type { RedisKeys } from '../shared/redis/redis-keys.js';
import type { DeploymentPacing } from './dispatch/deployment-pacing.js';
import type { InflightCalls } from './dispatch/inflight-calls.js';
import { PauseNotices } from './dispatch/pause-notices.js';

export interface WorkerEventDeps {
  inflight: Pick<InflightCalls, 'abort'>;
  pacing: Pick<DeploymentPacing, 'heard' | 'forgetReads'>;
}

/**
 * The worker role's pub/sub: cancel requests abort the running call of their job, and vendor pauses
 * other processes announce reach this process's pacing. ioredis subscribes again by itself after a
 * reconnect, but what was published meanwhile is lost: after one, the pacing re-reads its pauses
 * (a lost cancel leaves the vendor call running to its end, but the job stays cancelled: FINISH
 * never overwrites a finished record).
 */
export async function listenForWorkerEvents(subscriber: Redis, keys: RedisKeys, deps: WorkerEventDeps): Promise<void> {
  const cancels = keys.cancelEvents();
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === cancels) return void deps.inflight.abort(message);
    const notice = PauseNotices.parse(message);
    if (notice) deps.pacing.heard(notice.deployment, notice.ms);
  });
  let lost = false;
  subscriber.on('close', () => (lost = true));
  subscriber.on('ready', () => {
    if (lost) deps.pacing.forgetReads();
    lost = false;
  });
  await subscriber.subscribe(cancels, keys.pauseEvents());
}
