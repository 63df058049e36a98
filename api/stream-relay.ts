import { parseStreamMessage, type StreamMessage } from '../shared/jobs/stream-messages.js';

/**
 * Routes stream messages from workers to the requests of this API process. Workers publish on this
 * process's own channel (the job's `reply_to`), so no per-request subscription is needed; each
 * message names its job and carries a sequence number (shared/jobs/stream-messages.ts), and the
 * chunk JSON is forwarded as it is, never parsed.
 */
export class StreamRelay {
  private readonly handlers = new Map<string, (message: StreamMessage) => void>();

  constructor(readonly channel: string) {}

  readonly onMessage = (raw: string): void => {
    const message = parseStreamMessage(raw);
    // A request that already ended (client gone, stream cut) has unregistered: its late chunks drop here.
    if (message) this.handlers.get(message.jobId)?.(message);
  };

  register(jobId: string, handler: (message: StreamMessage) => void): void {
    this.handlers.set(jobId, handler);
  }

  unregister(jobId: string): void {
    this.handlers.delete(jobId);
  }
}
