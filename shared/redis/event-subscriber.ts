import type { Redis } from 'ioredis';

type Handler = (message: string) => void;

/**
 * A process's single pub/sub connection (the API's, shared by every waiter and cache; the worker
 * role's, for cancels and pause notices): one subscription per channel, messages fanned out in
 * memory. Never one connection per request.
 */
export class EventSubscriber {
  private readonly handlers = new Map<string, Handler>();
  private readonly resubscribedListeners: Array<() => void> = [];
  private lost = false;

  constructor(private readonly connection: Redis) {
    connection.on('message', (channel: string, message: string) => this.handlers.get(channel)?.(message));
    // ioredis reconnects and re-subscribes by itself; errors are reported by the main connection.
    connection.on('error', () => undefined);
    connection.on('close', () => (this.lost = true));
    connection.on('ready', () => {
      if (!this.lost) return;
      this.lost = false;
      // ioredis re-subscribes right after 'ready' without telling anyone when it is done; subscribing
      // again (idempotent) gives a reply to wait on, after which nothing published is missed.
      const channels = [...this.handlers.keys()];
      if (channels.length === 0) return;
      void connection.subscribe(...channels).then(() => {
        for (const listener of this.resubscribedListeners) listener();
      }, () => undefined);
    });
  }

  async on(channel: string, handler: Handler): Promise<void> {
    this.handlers.set(channel, handler);
    await this.connection.subscribe(channel);
  }

  /**
   * Calls `listener` each time the connection is back and subscribed again after it was lost: what
   * was published meanwhile never arrives (pub/sub is at-most-once), so whoever waits on a message
   * must re-read the state it stands for.
   */
  onResubscribed(listener: () => void): void {
    this.resubscribedListeners.push(listener);
  }

  async close(): Promise<void> {
    await this.connection.quit();
  }
}
