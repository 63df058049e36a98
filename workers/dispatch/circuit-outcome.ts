import type { ErrorCode } from '../../shared/errors/error-codes.js';

/** Failures that say the deployment itself is unhealthy; only these count against its circuit. */
const UNHEALTHY: ReadonlySet<ErrorCode> = new Set(['server_error', 'overloaded', 'timeout', 'connection']);

/**
 * How an attempt's outcome counts for the deployment's circuit: 'ok', 'fail', or null when it says
 * nothing about the deployment's health (a bad request, a rate limit, a cancel).
 */
export function circuitOutcome(errorCode: ErrorCode | null): 'ok' | 'fail' | null {
  if (errorCode === null) return 'ok';
  if (UNHEALTHY.has(errorCode)) return 'fail';
  return null;
}
