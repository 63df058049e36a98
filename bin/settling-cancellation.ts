import { JobCancellation } from '../api/job-cancellation.js';

/**
 * JobCancellation that remembers the cancels still running, so a shutdown can let them finish
 * before it closes Redis. A synchronous call cut at the grace bound cancels its job from the
 * route's close handler, fire-and-forget; without this wait the process closed its Redis
 * connection first and the job ran to its end, unread.
 */
export class SettlingCancellation extends JobCancellation {
  readonly #running = new Set<Promise<unknown>>();

  override cancel(id: string, reason: string): ReturnType<JobCancellation['cancel']> {
    const cancelling = super.cancel(id, reason);
    this.#running.add(cancelling);
    const forget = (): void => void this.#running.delete(cancelling);
    cancelling.then(forget, forget);
    return cancelling;
  }

  /** Resolves true once every cancel begun so far has ended, or false after `timeoutMs` (Redis unreachable). */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.#running.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([Promise.allSettled([...this.#running]).then(() => true as const), bound]);
    } finally {
      clearTimeout(timer);
    }
  }
}
