import { describe, expect, it, vi } from 'vitest';
import { JobWaiters } from './job-waiters.js';

describe('JobWaiters', () => {
  it('resolves every waiter of a job with its event, and ignores other jobs', async () => {
    const waiters = new JobWaiters();
    const a = waiters.register('job_a', 10_000);
    const b = waiters.register('job_a', 10_000);
    waiters.onMessage(JSON.stringify({ id: 'job_other', status: 'succeeded' }));
    waiters.onMessage(JSON.stringify({ id: 'job_a', status: 'failed' }));
    expect(await a.promise).toEqual({ id: 'job_a', status: 'failed' });
    expect(await b.promise).toEqual({ id: 'job_a', status: 'failed' });
    expect(waiters.size).toBe(0);
  });

  it('resolves null after its timeout and forgets the waiter', async () => {
    vi.useFakeTimers();
    try {
      const waiters = new JobWaiters();
      const waiter = waiters.register('job_t', 5000);
      vi.advanceTimersByTime(5000);
      expect(await waiter.promise).toBeNull();
      expect(waiters.size).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops waiting on cancel', () => {
    const waiters = new JobWaiters();
    const waiter = waiters.register('job_c', 10_000);
    waiter.cancel();
    expect(waiters.size).toBe(0);
  });
});
