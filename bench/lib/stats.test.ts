import { describe, expect, it } from 'vitest';
import { percentile, ratio, summarize } from './stats.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarize', () => {
  it('does not depend on input order', () => {
    expect(summarize([3, 1, 2])).toEqual({ n: 3, mean: 2, p50: 2, p90: 3, p99: 3, max: 3 });
  });
});

describe('ratio', () => {
  it('is null without a positive denominator', () => {
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(1, Number.NaN)).toBeNull();
    expect(ratio(3, 2)).toBe(1.5);
  });
});
