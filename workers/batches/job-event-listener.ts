import type { Redis } from 'ioredis';
import { z } from 'zod';
import { parseLineJobId } from '../../shared/batches/line-job.js';
import { JOB_STATUSES, TERMINAL_STATUSES, type PublicJob } from '../../shared/jobs/job-record.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';
import { collectLine } from './line-collector.js';

const eventSchema = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  job: z.custom<PublicJob>((value) => typeof value === 'object' && value !== null && 'metadata' in value).optional(),
});

/**
 * Listens to batch lines' terminal events (`{"id": ..., "status": ..., "job"?: ...}`, a JobEvent,
 * which JobStore publishes for line jobs on their own channel besides the channel of every job) and
 * collects the lines as they finish: the fast path of collection (the sweep is the safety net). One
 * subscriber connection per worker process.
 * @returns a function that stops listening.
 */
export async function listenForLineEvents(deps: BatchWorkerDeps): Promise<() => Promise<void>> {
  const subscriber: Redis = deps.redis.duplicate();
  subscriber.on('error', (err) => deps.logger.warn({ err: { message: err.message } }, 'batch event subscriber error'));
  subscriber.on('message', (_channel: string, message: string) => {
    const parsed = eventSchema.safeParse(JSON.parse(message));
    if (!parsed.success || !TERMINAL_STATUSES.includes(parsed.data.status)) return;
    const line = parseLineJobId(parsed.data.id);
    if (!line) return;
    collectLine(deps, line.batchId, line.line, parsed.data.job).catch((err: unknown) => {
      deps.logger.warn({ err: { message: (err as Error).message }, batch: line.batchId, line: line.line }, 'collecting a batch line failed; the sweep will retry');
    });
  });
  await subscriber.subscribe(deps.keys.batchLineEvents());
  return async () => {
    await subscriber.quit();
  };
}
