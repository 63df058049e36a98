import { describe, expect, it } from 'vitest';
import { maxInWindow } from './windows.js';

const at = (...ts: number[]) => ts.map((t) => ({ t, weight: 1 }));

describe('maxInWindow', () => {
  it('counts the densest window, not the first one', () => {
    expect(maxInWindow(at(0, 100, 1000, 1001, 1002, 1003), 500)).toBe(4);
  });

  it('treats the window as half-open', () => {
    expect(maxInWindow(at(0, 500), 500)).toBe(1);
    expect(maxInWindow(at(0, 499), 500)).toBe(2);
  });

  it('sums weights and ignores input order', () => {
    expect(maxInWindow([{ t: 900, weight: 5 }, { t: 0, weight: 20 }, { t: 100, weight: 7 }], 150)).toBe(27);
  });

  it('is zero for no events', () => {
    expect(maxInWindow([], 60_000)).toBe(0);
  });
});
