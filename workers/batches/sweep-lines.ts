import type { BatchRecord } from '../../shared/batches/batch-record.js';
import { lineJobId } from '../../shared/batches/line-job.js';
import { TERMINAL_STATUSES, type JobStatus } from '../../shared/jobs/job-record.js';
import type { BatchWorkerDeps } from './batch-worker-deps.js';
import { collectLine } from './line-collector.js';
import { pipelinePerKey } from '../../shared/redis/pipeline-per-key.js';

const PAGE_LINES = 500;

/**
 * Re-reads the status of every in-flight line and collects those that ended. Job events are
 * pub/sub (at most once): this sweep is what makes collection complete when an event was missed
 * (no batch worker subscribed at that moment). One pipelined read per page of lines.
 */
export async function sweepLines(deps: BatchWorkerDeps, batch: BatchRecord): Promise<number> {
  const lines = await deps.batchStore.pendingLines(batch.id);
  let collected = 0;
  for (let i = 0; i < lines.length; i += PAGE_LINES) {
    const page = lines.slice(i, i + PAGE_LINES);
    // Each line's job has its own slot: per key on a cluster.
    const jobKeys = page.map((line) => deps.keys.job(lineJobId(batch.id, line)));
    const statuses = (await pipelinePerKey(deps.redis, jobKeys, (pipeline, key) => pipeline.hget(key, 'status'))).map(([, status]) => status as string | null);
    const ended = page.filter((_, j) => TERMINAL_STATUSES.includes(statuses[j] as JobStatus));
    await Promise.all(ended.map((line) => collectLine(deps, batch.id, line)));
    collected += ended.length;
  }
  return collected;
}
