/** A timestamped amount (ms, weight), e.g. one request (weight 1) or its tokens. */
export interface Stamped {
  t: number;
  weight: number;
}

/**
 * The largest total weight inside any window of `windowMs` (half-open: [start, start + windowMs)).
 * Checking windows that start at each event is enough: any window can slide right to its first event.
 */
export function maxInWindow(events: readonly Stamped[], windowMs: number): number {
  const sorted = [...events].sort((a, b) => a.t - b.t);
  let best = 0;
  let sum = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]!.t < sorted[start]!.t + windowMs) sum += sorted[end++]!.weight;
    best = Math.max(best, sum);
    sum -= sorted[start]!.weight;
  }
  return best;
}
