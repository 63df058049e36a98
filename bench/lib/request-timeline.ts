import { summarize } from './stats.js';

/** One recorded event: wall-clock ms, the process's role, what happened (bench/lib/timeline-preload.mjs). */
export type TimelineEvent = [timeMs: number, process: string, event: string];

/** One request as the client saw it: sent at `start`, answer complete at `end` (wall-clock ms). */
export interface RequestWindow {
  start: number;
  end: number;
}

export interface TimelineStep {
  process: string;
  event: string;
  /** 1 for the first time this process records this event inside a request, 2 for the second… */
  occurrence: number;
  /** Median (nearest-rank p50, as every benchmark's) over the requests of the step's time after the request was sent, ms. */
  medianMs: number;
  /** Share of the requests (0..1) in which the step happened. */
  seenIn: number;
}

/** Index of the first event at or after `t` in time-sorted `events`. */
function firstAtOrAfter(events: readonly TimelineEvent[], t: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]![0] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The typical path of a lone request: every event recorded between a request's start and end, keyed
 * by process, event and how many times that process had recorded it before within the request, and
 * for each key the median time after the start. Only steps seen in at least `minShare` of the
 * requests are kept (what happens in one request out of three, a timer say, is not its path), in
 * order of their median.
 */
export function requestTimeline(windows: readonly RequestWindow[], events: readonly TimelineEvent[], minShare = 0.9): TimelineStep[] {
  const sorted = [...events].sort((a, b) => a[0] - b[0]);
  const offsets = new Map<string, { process: string; event: string; occurrence: number; values: number[] }>();
  for (const window of windows) {
    const seen = new Map<string, number>();
    for (let i = firstAtOrAfter(sorted, window.start); i < sorted.length && sorted[i]![0] <= window.end; i++) {
      const [t, process, event] = sorted[i]!;
      const occurrence = (seen.get(`${process}\n${event}`) ?? 0) + 1;
      seen.set(`${process}\n${event}`, occurrence);
      const key = `${process}\n${event}\n${occurrence}`;
      let step = offsets.get(key);
      if (!step) offsets.set(key, (step = { process, event, occurrence, values: [] }));
      step.values.push(t - window.start);
    }
  }
  return [...offsets.values()]
    .map(({ process, event, occurrence, values }) => ({ process, event, occurrence, medianMs: summarize(values).p50, seenIn: values.length / windows.length }))
    .filter((step) => step.seenIn >= minShare)
    .sort((a, b) => a.medianMs - b.medianMs);
}
