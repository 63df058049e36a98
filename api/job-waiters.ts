import type { JobEvent } from '../shared/jobs/job-store.js';

/**
 * Requests waiting for a job to end, by job id, fed by the process's one subscription to the job
 * events channel. Register before the job can end (before enqueueing, or before re-reading the
 * record) so no event is missed; every wait is bounded by a timeout.
 */
export class JobWaiters {
  private readonly waiting = new Map<string, Set<(event: JobEvent) => void>>();

  /**
   * Called with every message of the job events channel. Every API process sees every job's end,
   * so the id is read without parsing the message; only awaited events are parsed.
   */
  readonly onMessage = (message: string): void => {
    const listeners = this.waiting.get(eventJobId(message));
    if (!listeners) return;
    this.deliver(JSON.parse(message) as JobEvent);
  };

  /**
   * The events subscription was lost and is back: job ends published meanwhile never arrive
   * (pub/sub is at-most-once), so every awaited job is read again and an ended one is delivered as
   * its event would have been. `readEnded` gives a job's terminal event, or null while it runs.
   */
  async catchUp(readEnded: (id: string) => Promise<JobEvent | null>): Promise<void> {
    await Promise.all(
      [...this.waiting.keys()].map(async (id) => {
        const event = await readEnded(id).catch(() => null);
        if (event) this.deliver(event);
      }),
    );
  }

  /**
   * Starts waiting for job `id`. `promise` resolves with its terminal event, or null after
   * `timeoutMs`; `cancel` stops waiting (client gone, or the answer was found by a read).
   */
  register(id: string, timeoutMs: number): { promise: Promise<JobEvent | null>; cancel: () => void } {
    let listener!: (event: JobEvent) => void;
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<JobEvent | null>((resolve) => {
      listener = (event) => {
        clearTimeout(timer);
        resolve(event);
      };
      timer = setTimeout(() => {
        this.remove(id, listener);
        resolve(null);
      }, timeoutMs);
    });
    let listeners = this.waiting.get(id);
    if (!listeners) this.waiting.set(id, (listeners = new Set()));
    listeners.add(listener);
    return {
      promise,
      cancel: () => {
        clearTimeout(timer);
        this.remove(id, listener);
      },
    };
  }

  private deliver(event: JobEvent): void {
    const listeners = this.waiting.get(event.id);
    if (!listeners) return;
    this.waiting.delete(event.id);
    for (const listener of listeners) listener(event);
  }

  get size(): number {
    return this.waiting.size;
  }

  private remove(id: string, listener: (event: JobEvent) => void): void {
    const listeners = this.waiting.get(id);
    if (!listeners) return;
    listeners.delete(listener);
    if (listeners.size === 0) this.waiting.delete(id);
  }
}

/** The job id of a serialized JobEvent, which always starts `{"id":"<id>"` (see JobStore). */
function eventJobId(message: string): string {
  const start = '{"id":"'.length;
  return message.startsWith('{"id":"') ? message.slice(start, message.indexOf('"', start)) : '';
}
