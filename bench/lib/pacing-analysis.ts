import { round } from './stats.js';

// Analysis of upstream receipt timestamps (wall-clock ms) for the rate-limit benchmark.

/** Requests per minute over the timestamps after the first `skip` share of the time span. */
export function rateOverTail(sorted: readonly number[], skip: number): number {
  if (sorted.length < 2) return Number.NaN;
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const from = first + (last - first) * skip;
  const tail = sorted.filter((t) => t >= from);
  return tail.length > 1 ? round(((tail.length - 1) / (last - tail[0]!)) * 60_000, 1) : Number.NaN;
}

/** max over receipts of (receipts so far − a full bucket − refill since the first receipt). */
export function maxExcessOverBucket(sorted: readonly number[], rpm: number): number {
  let worst = Number.NEGATIVE_INFINITY;
  sorted.forEach((t, i) => (worst = Math.max(worst, i + 1 - rpm - ((t - sorted[0]!) * rpm) / 60_000)));
  return round(worst, 2);
}

/**
 * Queue waits under a perfect pacer with the same history: a token bucket (capacity rpm, continuous
 * refill) that starts full at the first burst receipt and pays for every burst request when the
 * upstream really received it, then serves `arrivals` first come, first served, each as soon as a
 * whole token is there.
 */
export function idealWaits(burstReceipts: readonly number[], arrivals: readonly number[], rpm: number): number[] {
  const perMs = rpm / 60_000;
  let level = rpm;
  let clock = burstReceipts[0] ?? arrivals[0] ?? 0;
  const refillTo = (t: number): void => {
    level = Math.min(rpm, level + (t - clock) * perMs);
    clock = t;
  };
  for (const t of burstReceipts) {
    refillTo(Math.max(t, clock));
    level -= 1;
  }
  return arrivals.map((arrival) => {
    refillTo(Math.max(arrival, clock));
    if (level < 1) {
      clock += (1 - level) / perMs;
      level = 1;
    }
    level -= 1;
    return clock - arrival;
  });
}

/** Counts of timestamps per `bucketMs` from `start`. */
export function histogram(times: readonly number[], start: number, bucketMs: number): number[] {
  const counts: number[] = [];
  for (const t of times) {
    const i = Math.max(0, Math.floor((t - start) / bucketMs));
    while (counts.length <= i) counts.push(0);
    counts[i]! += 1;
  }
  return counts;
}
