import type { Budgets } from './budgets.js';

/** How often the worker role releases orphaned budget holds. */
export const HOLD_REAP_EVERY_MS = 30_000;

/**
 * Releases orphaned budget holds periodically, in the worker role (beside the rate limiter's
 * reservation reaper, which releases the key/team rate reservations of the same admissions).
 *
 * Hold lifetimes follow the job: an admission's holds live ADMISSION_HOLD_MS (24 h, the longest
 * deadline a job may carry) and are settled by the worker when the job ends, failed, cancelled or
 * succeeded. A hold still unsettled after that is an orphan — the API died between admission and
 * enqueue, or a worker between a job's end and its settle (a replayed attempt settles it too) —
 * and this reaper gives it back within one interval of its expiry instead of waiting for the next
 * admission against that budget. A job without a deadline that waits in a queue longer than the
 * hold loses it; its real cost is still charged to the budgets when it ends (a released hold stays
 * settleable for REAPED_RETENTION_MS), only its key/team per-minute buckets are not.
 *
 * Returns a function that stops the reaper. Errors go to `onError`; the next pass retries.
 */
export function startHoldReaper(budgets: Budgets, onError: (err: unknown) => void, everyMs = HOLD_REAP_EVERY_MS): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    budgets.reapExpired().catch(onError).finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
