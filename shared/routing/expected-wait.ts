import type { DeploymentConfig } from '../config/config-schema.js';
import type { LlmQueues } from '../queues/llm-queues.js';
import { deploymentScope, type TokenBuckets } from '../rate-limit/index.js';

/**
 * How long a new request would wait for a paced deployment: the bucket's refill time (or the
 * vendor-imposed pause) plus the backlog ahead of it drained at the deployment's RPM. Zero for a
 * deployment with no RPM/TPM limit (its wait is not a matter of pacing).
 */
export async function expectedWaitMs(buckets: TokenBuckets, queues: LlmQueues, name: string, deployment: DeploymentConfig, tokens: number): Promise<number> {
  if (!deployment.rpm && !deployment.tpm) return 0;
  const [peek, backlog] = await Promise.all([
    buckets.peek([{ scope: deploymentScope(name), rpm: deployment.rpm, tpm: deployment.tpm }], { requests: 1, tokens }),
    queues.queue(name).getJobCountByTypes('waiting', 'prioritized'),
  ]);
  const drainMs = deployment.rpm ? (backlog * 60_000) / deployment.rpm : 0;
  return Math.max(peek.retryAfterMs, peek.pausedMs) + drainMs;
}
