import type { DeploymentConfig } from '../config/config-schema.js';
import type { LlmQueues } from '../queues/llm-queues.js';
import { deploymentScope, type TokenBuckets } from '../rate-limit/index.js';

/**
 * How long a new request would wait for a deployment, in ms. A paced one (rpm/tpm): its buckets'
 * refill time or the vendor-imposed pause, plus the backlog ahead of it drained at its RPM. An
 * unpaced one: only its pause (after a vendor 429). Its queue depth is not counted: without a rate
 * there is no drain time to derive from it, and its wait is a matter of worker concurrency and
 * vendor latency, which this does not model.
 */
export async function expectedWaitMs(buckets: TokenBuckets, queues: LlmQueues, name: string, deployment: DeploymentConfig, tokens: number): Promise<number> {
  const scope = deploymentScope(name);
  if (!deployment.rpm && !deployment.tpm) return buckets.pausedMs(scope);
  const [peek, backlog] = await Promise.all([
    buckets.peek([{ scope, rpm: deployment.rpm, tpm: deployment.tpm }], { requests: 1, tokens }),
    queues.queue(name).getJobCountByTypes('waiting', 'prioritized'),
  ]);
  const drainMs = deployment.rpm ? (backlog * 60_000) / deployment.rpm : 0;
  return Math.max(peek.retryAfterMs, peek.pausedMs) + drainMs;
}
