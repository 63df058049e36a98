import { describe, expect, it } from 'vitest';
import { requestTimeline, type TimelineEvent } from './request-timeline.js';

describe('requestTimeline', () => {
  it('gives each step its median time after the request started, in order, repeated events counted apart', () => {
    const windows = [
      { start: 100, end: 110 },
      { start: 200, end: 210 },
      { start: 300, end: 310 },
    ];
    const events: TimelineEvent[] = [
      [102, 'api', 'redis hset sent'],
      [104, 'worker', 'redis moveToActive sent'],
      [105, 'worker', 'redis moveToActive sent'],
      [201, 'api', 'redis hset sent'],
      [206, 'worker', 'redis moveToActive sent'],
      [209, 'worker', 'redis moveToActive sent'],
      [303, 'api', 'redis hset sent'],
      [305, 'worker', 'redis moveToActive sent'],
      [307, 'worker', 'redis moveToActive sent'],
    ];
    expect(requestTimeline(windows, events)).toEqual([
      { process: 'api', event: 'redis hset sent', occurrence: 1, medianMs: 2, seenIn: 1 },
      { process: 'worker', event: 'redis moveToActive sent', occurrence: 1, medianMs: 5, seenIn: 1 },
      { process: 'worker', event: 'redis moveToActive sent', occurrence: 2, medianMs: 7, seenIn: 1 },
    ]);
  });

  it('leaves out events outside every request and steps seen in too few requests', () => {
    const windows = [
      { start: 0, end: 10 },
      { start: 20, end: 30 },
    ];
    const events: TimelineEvent[] = [
      [15, 'worker', 'redis bzpopmin sent'],
      [21, 'api', 'http response out'],
      [5, 'api', 'http response out'],
      [25, 'worker', 'timer'],
    ];
    expect(requestTimeline(windows, events, 0.9)).toEqual([{ process: 'api', event: 'http response out', occurrence: 1, medianMs: 1, seenIn: 1 }]);
    expect(requestTimeline(windows, events, 0.5).map((s) => s.event)).toEqual(['http response out', 'timer']);
  });
});
