import type { DeploymentConfig } from '../../shared/config/config-schema.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import type { AttemptRecord, JobRecord } from '../../shared/jobs/job-record.js';

export type NextStep =
  | { kind: 'retry'; step: number; delayMs: number }
  | { kind: 'failover'; step: number }
  | { kind: 'fail' }
  /** Fail with `deadline_exceeded`: the job's deadline passed, or a retry could only start after it. */
  | { kind: 'deadline' };

export interface RetryPolicy {
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

/**
 * What to do after a failed attempt, from the error code alone:
 * - retryable codes retry on the same target (capped, jittered exponential backoff, at least the
 *   vendor's retry-after) up to the deployment's `maxAttempts`, then fail over to the next target;
 * - `context_length_exceeded` skips straight to the next target with a larger context window;
 * - everything else (invalid request, auth, content filter, cancel) fails the job now.
 * A job with a deadline (`record.deadlineAt`, epoch ms) never retries or fails over past it: once it
 * has passed, what would have moved on fails with `deadline_exceeded`; a retry whose delay would
 * end at or after it becomes a failover to the next target (which runs at once), or on the last
 * target `deadline_exceeded` now rather than after the delay.
 */
export function nextStep(
  record: JobRecord,
  attempts: AttemptRecord[],
  error: GatewayError,
  deployments: Record<string, DeploymentConfig>,
  policy: RetryPolicy,
  random: () => number = Math.random,
  nowMs: number = Date.now(),
): NextStep {
  const deployment = deployments[record.route[record.step]!.deployment]!;
  const hasNextTarget = record.step + 1 < record.route.length;
  const deadlineAt = record.deadlineAt > 0 ? record.deadlineAt : Infinity;
  const expired = nowMs >= deadlineAt;
  if (error.retryable) {
    if (expired) return { kind: 'deadline' };
    const triesHere = attempts.filter((a) => a.step === record.step).length;
    // A vendor asking for a longer pause than we would ever back off is better left for a fallback.
    const waitTooLong = (error.retryAfterMs ?? 0) > policy.retryMaxDelayMs && hasNextTarget;
    if (triesHere < deployment.maxAttempts && !waitTooLong) {
      const delayMs = backoffMs(triesHere, error.retryAfterMs, policy, random);
      if (nowMs + delayMs < deadlineAt) return { kind: 'retry', step: record.step, delayMs };
      return hasNextTarget ? { kind: 'failover', step: record.step + 1 } : { kind: 'deadline' };
    }
    return hasNextTarget ? { kind: 'failover', step: record.step + 1 } : { kind: 'fail' };
  }
  if (error.code === 'context_length_exceeded') {
    const larger = nextLargerContext(record, deployments);
    if (larger === null) return { kind: 'fail' };
    return expired ? { kind: 'deadline' } : { kind: 'failover', step: larger };
  }
  return { kind: 'fail' };
}

/** The error a job fails with when it runs out of time; `last` is the failure that left it no time. */
export function deadlineExceeded(last?: GatewayError): GatewayError {
  const after = last ? ` (last attempt: ${last.code})` : '';
  return new GatewayError('deadline_exceeded', `The job did not complete before its deadline${after}.`);
}

/**
 * The next route step whose deployment has a larger context window than the current one (a
 * deployment without a configured `contextTokens` counts as possibly larger); null when none.
 */
function nextLargerContext(record: JobRecord, deployments: Record<string, DeploymentConfig>): number | null {
  const current = deployments[record.route[record.step]!.deployment]?.contextTokens;
  for (let step = record.step + 1; step < record.route.length; step++) {
    const context = deployments[record.route[step]!.deployment]?.contextTokens;
    if (current === undefined || context === undefined || context > current) return step;
  }
  return null;
}

/** Equal-jitter exponential backoff (capped), never shorter than the vendor's retry-after. */
export function backoffMs(triesSoFar: number, retryAfterMs: number | undefined, policy: RetryPolicy, random: () => number): number {
  const exponential = Math.min(policy.retryMaxDelayMs, policy.retryBaseDelayMs * 2 ** Math.max(0, triesSoFar - 1));
  const jittered = exponential / 2 + (random() * exponential) / 2;
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}
