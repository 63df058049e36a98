import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** How a drain ended: every response finished, or some were cut at the grace bound. */
export interface DrainOutcome {
  /** Responses still open at the bound, whose connections were destroyed. */
  cut: number;
}

/** Drains one HTTP server on shutdown; see {@link trackForDrain}. */
export interface HttpDrain {
  /**
   * Stops accepting connections and lets in-flight responses finish for up to `graceMs`, then
   * destroys what is left. Resolves once every connection is closed and every tracked response has
   * emitted `close` (so the routes' own close handlers — a cancel of a cut call's job — have run).
   */
  drain(graceMs: number): Promise<DrainOutcome>;
}

/**
 * Tracks a server's responses so a drain can end kept-alive connections. HTTP/1.1 clients (every
 * SDK) keep connections open; `server.close()` stops the listener and closes connections idle at
 * that moment, but one whose response is still in flight stays open after it, kept alive, until
 * the grace cut. So during a drain every response not yet started says `Connection: close` (Node
 * then closes the socket after it), and a connection left idle by a response that had already sent
 * its headers (a stream) is closed as soon as that response finishes. Call before the server takes
 * requests.
 */
export function trackForDrain(server: Server): HttpDrain {
  const open = new Set<ServerResponse>();
  let draining = false;
  const closeIdleSoon = (): void => {
    // After 'finish', Node marks the connection idle on its own finish handling: look a turn later.
    setImmediate(() => server.closeIdleConnections());
  };
  const markClosing = (res: ServerResponse): void => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  };
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    // A request that arrives on a kept-alive connection while draining is answered, and ends it.
    if (draining) markClosing(res);
    res.once('finish', () => {
      if (draining) closeIdleSoon();
    });
    res.once('close', () => open.delete(res));
  });

  return {
    async drain(graceMs) {
      draining = true;
      for (const res of open) markClosing(res);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let cut = 0;
      const force = setTimeout(() => {
        cut = open.size;
        server.closeAllConnections();
      }, graceMs);
      await closed;
      clearTimeout(force);
      // 'close' of each response follows its socket's; wait for the stragglers' handlers.
      await Promise.all([...open].map((res) => new Promise<void>((resolve) => (res.closed ? resolve() : res.once('close', () => resolve())))));
      return { cut };
    },
  };
}
