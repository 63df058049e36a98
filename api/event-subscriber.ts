import type { Redis } from 'ioredis';

type Handler = (message: string) => void;

/**
 * The API process's single pub/sub connection, shared by every waiter and cache: one subscription
 * per channel, messages fanned out in memory. Never one connection per request.
 */
export class EventSubscriber {
  private readonly handlers = new Map<string, Handler>();

  constructor(private readonly connection: Redis) {
    connection.on('message', (channel: string, message: string) => this.handlers.get(channel)?.(message));
    // ioredis reconnects and re-subscribes by itself; errors are reported by the main connection.
    connection.on('error', () => undefined);
  }

  async on(channel: string, handler: Handler): Promise<void> {
    this.handlers.set(channel, handler);
    await this.connection.subscribe(channel);
  }

  async close(): Promise<void> {
    await this.connection.quit();
  }
}
