import { describe, expect, it } from 'vitest';
import { voluntarySwitches } from './proc-stats.js';

describe('voluntarySwitches', () => {
  it('counts this process going to sleep and waking up', async () => {
    const before = voluntarySwitches(process.pid);
    // Each timer lets the event loop block in epoll_wait until it fires: one sleep and wake-up each.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(voluntarySwitches(process.pid) - before).toBeGreaterThanOrEqual(5);
  });

  it('does not count busy time', () => {
    const before = voluntarySwitches(process.pid);
    const until = performance.now() + 20;
    while (performance.now() < until); // busy, never blocks
    expect(voluntarySwitches(process.pid) - before).toBeLessThanOrEqual(1);
  });

  it('throws for a process that does not exist', () => {
    expect(() => voluntarySwitches(2 ** 22 + 1)).toThrow();
  });
});
