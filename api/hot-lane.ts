import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express, NextFunction, Request, Response } from 'express';
import type { GatewayMetrics } from '../shared/metrics/gateway-metrics.js';
import { isPlainBody, readJsonBody } from './json-body.js';
import type { VirtualKeyAuth } from './middleware/virtual-key-auth.js';
import { requestId } from './middleware/request-id.js';
import { observeHttpRequest } from './routes/metrics.js';

export type RouteHandler = (req: Request, res: Response) => Promise<void>;

export interface HotLaneDeps {
  /** Exact POST paths (no query string) and the handlers their Express routes run. */
  routes: Record<string, RouteHandler>;
  auth: VirtualKeyAuth;
  metrics: GatewayMetrics;
  bodyLimitBytes: number;
  /** The app's error middleware: the one place error responses are written. */
  onError: (err: unknown, req: Request, res: Response, next: NextFunction) => void;
}

/**
 * Serves the two routes that carry nearly all traffic (submits and chat completions) without
 * Express's router or body-parser: in the async submit's profile their frames were on the stack
 * for 26 % and 11 % of the API's CPU (`bench/profile.ts`, BENCHMARKS.md §7). The steps are the ones
 * the app runs for those paths, in its order — request id, HTTP metrics, JSON body, virtual key,
 * handler, error handler — on Express's own request and response objects, so handlers cannot tell
 * the difference. Every other request, and these paths with a query string, a compressed body or
 * a non-UTF-8 charset, goes to the app unchanged.
 */
export function withHotLane(app: Express, deps: HotLaneDeps): RequestListener {
  const routes = new Map(Object.entries(deps.routes));
  const noop = (): void => undefined;
  return (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const path = incoming.url ?? '';
    const handler = incoming.method === 'POST' ? routes.get(path) : undefined;
    if (!handler || !isPlainBody(incoming)) {
      app(incoming, outgoing);
      return;
    }
    const { req, res } = asExpress(app, incoming, outgoing);
    requestId(req, res, noop);
    observeHttpRequest(deps.metrics, res, () => path);
    const serve = async (): Promise<void> => {
      req.body = await readJsonBody(req, deps.bodyLimitBytes);
      await deps.auth.authenticate(req, res);
      await handler(req, res);
    };
    serve().catch((err: unknown) => {
      try {
        deps.onError(err, req, res, noop);
      } catch {
        res.destroy(); // the error handler itself failed: nothing sendable is left, drop the connection
      }
    });
  };
}

/**
 * What `app.handle` does before its router runs: Express's request/response methods and
 * `res.locals`. The server's objects are born with Express's prototypes (express-messages.ts);
 * only a server built without them gets its objects' prototypes changed here, the slow way.
 */
function asExpress(app: Express, incoming: IncomingMessage, outgoing: ServerResponse): { req: Request; res: Response } {
  const req = (Object.getPrototypeOf(incoming) === app.request ? incoming : Object.setPrototypeOf(incoming, app.request)) as Request;
  const res = (Object.getPrototypeOf(outgoing) === app.response ? outgoing : Object.setPrototypeOf(outgoing, app.response)) as Response;
  req.res = res;
  res.req = req;
  res.locals = Object.create(null) as Response['locals'];
  req.baseUrl = '';
  req.originalUrl = req.url;
  return { req, res };
}
