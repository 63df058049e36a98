import { describe, expect, it } from 'vitest';
import { histogram, idealWaits, maxExcessOverBucket, rateOverTail } from './pacing-analysis.js';

describe('idealWaits', () => {
  it('serves arrivals at once while a full bucket lasts, then one per refill interval', () => {
    // rpm 60: one token per second, capacity 60. No burst history: the bucket starts full at the first arrival.
    const arrivals = Array.from({ length: 62 }, () => 0);
    const waits = idealWaits([], arrivals, 60);
    expect(waits.slice(0, 60).every((w) => w === 0)).toBe(true);
    expect(waits[60]).toBeCloseTo(1000, 6);
    expect(waits[61]).toBeCloseTo(2000, 6);
  });

  it('starts from the bucket the burst left behind', () => {
    // rpm 60, a burst of 60 all received at t=0 empties the bucket; an arrival at t=500 waits until t=1000.
    const burst = Array.from({ length: 60 }, () => 0);
    expect(idealWaits(burst, [500], 60)[0]).toBeCloseTo(500, 6);
  });
});

describe('maxExcessOverBucket', () => {
  it('is zero for a perfectly paced series and positive when arrivals run ahead', () => {
    // rpm 60: a full bucket of 60 at t=0, then one per second.
    const paced = [...Array.from({ length: 60 }, () => 0), 1000, 2000, 3000];
    expect(maxExcessOverBucket(paced, 60)).toBe(0);
    expect(maxExcessOverBucket([...paced, 3000, 3000], 60)).toBe(2);
  });
});

describe('rateOverTail', () => {
  it('measures requests per minute over the tail', () => {
    expect(rateOverTail([0, 1000, 2000, 3000, 4000], 0)).toBe(60);
    expect(rateOverTail([0, 0, 0, 0, 1000, 2000, 3000, 4000], 0.25)).toBe(60);
  });
});

describe('histogram', () => {
  it('counts per bucket from the start', () => {
    expect(histogram([0, 100, 5000, 12_000], 0, 5000)).toEqual([2, 1, 1]);
  });
});
