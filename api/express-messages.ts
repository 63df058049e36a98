import { IncomingMessage, ServerResponse, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

/**
 * node:http server options whose requests and responses are born with the Express app's
 * prototypes (`app.request`, `app.response`), so no request ever has its prototype changed.
 * Express changes it on every request (`app.handle`), and so did the hot lane: a changed prototype
 * puts node's own http code on slow paths for the rest of the request. Measured with a bare
 * node:http server (`bench/prototype-cost.ts`), setting the two prototypes tripled its CPU per
 * request. With these classes, `app.handle`'s `Object.setPrototypeOf` finds the prototype already
 * in place, which JavaScript defines as no change.
 */
export function expressMessageOptions(app: Express): Pick<ServerOptions, 'IncomingMessage' | 'ServerResponse'> {
  // Plain constructor functions (node's own are too), so `prototype` can be the app's objects, which
  // already inherit from IncomingMessage.prototype and ServerResponse.prototype.
  function ExpressRequest(this: IncomingMessage, socket: Socket): void {
    IncomingMessage.call(this, socket);
  }
  ExpressRequest.prototype = app.request;
  function ExpressResponse(this: ServerResponse, req: IncomingMessage, options?: unknown): void {
    (ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: unknown) => void).call(this, req, options);
  }
  ExpressResponse.prototype = app.response;
  return {
    IncomingMessage: ExpressRequest as unknown as typeof IncomingMessage,
    ServerResponse: ExpressResponse as unknown as typeof ServerResponse,
  };
}
