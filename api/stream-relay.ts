/**
 * Routes stream chunks from workers to the requests of this API process. Workers publish on this
 * process's own channel (the job's `reply_to`), so no per-request subscription is needed; each
 * message is `<job id>\n<chunk JSON>` and the JSON is forwarded as it is.
 */
export class StreamRelay {
  private readonly handlers = new Map<string, (chunkJson: string) => void>();

  constructor(readonly channel: string) {}

  readonly onMessage = (message: string): void => {
    const newline = message.indexOf('\n');
    if (newline < 0) return;
    this.handlers.get(message.slice(0, newline))?.(message.slice(newline + 1));
  };

  register(jobId: string, handler: (chunkJson: string) => void): void {
    this.handlers.set(jobId, handler);
  }

  unregister(jobId: string): void {
    this.handlers.delete(jobId);
  }
}
