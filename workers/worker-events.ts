import type { EventSubscriber } from '../shared/redis/event-subscriber.js';
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
 * other processes announce reach this process's pacing. What was published while the connection
 * was down is lost: once it is subscribed again, the pacing re-reads its pauses (a lost cancel
 * leaves the vendor call running to its end, but the job stays cancelled: FINISH never overwrites a
 * finished record).
 */
export async function listenForWorkerEvents(events: EventSubscriber, keys: RedisKeys, deps: WorkerEventDeps): Promise<void> {
  events.onResubscribed(() => deps.pacing.forgetReads());
  await events.on(keys.cancelEvents(), (jobId) => void deps.inflight.abort(jobId));
  await events.on(keys.pauseEvents(), (message) => {
    const notice = PauseNotices.parse(message);
    if (notice) deps.pacing.heard(notice.deployment, notice.ms);
  });
}
