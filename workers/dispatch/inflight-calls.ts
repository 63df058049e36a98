/** The abort reason of calls cut by a shutdown. */
export const SHUTDOWN = Symbol('shutdown');

/**
 * The vendor calls this process is making, by job id, so a cancel request (from another process,
 * through Redis pub/sub) or a shutdown can abort them.
 */
export class InflightCalls {
  private readonly calls = new Map<string, AbortController>();

  register(jobId: string): AbortController {
    const controller = new AbortController();
    this.calls.set(jobId, controller);
    return controller;
  }

  release(jobId: string, controller: AbortController): void {
    if (this.calls.get(jobId) === controller) this.calls.delete(jobId);
  }

  abort(jobId: string): boolean {
    const controller = this.calls.get(jobId);
    controller?.abort();
    return controller !== undefined;
  }

  /** Aborts every call because this process is stopping: their jobs go back to the queue, not to failure. */
  abortAll(): void {
    for (const controller of this.calls.values()) controller.abort(SHUTDOWN);
  }

  get size(): number {
    return this.calls.size;
  }
}
