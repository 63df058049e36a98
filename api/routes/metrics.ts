import { Router, type NextFunction, type Request, type Response } from 'express';
import type { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';

/** Refreshes the gauges that describe shared state (queue depths, circuits) right before a scrape. */
export type GaugeRefresh = () => Promise<void>;

/** `GET /metrics` in Prometheus text format (mounted behind the admin key). */
export function metricsRouter(metrics: GatewayMetrics, refresh: GaugeRefresh): Router {
  const router = Router();
  router.get('/metrics', async (_req: Request, res: Response) => {
    await refresh();
    res.setHeader('content-type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
  return router;
}

/** Counts every HTTP request by matched route and status, with its duration. */
export function httpMetrics(metrics: GatewayMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    observeHttpRequest(metrics, res, () => (req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched'));
    next();
  };
}

/** Counts one request when its response finishes; `route` is read then (Express matches it later). */
export function observeHttpRequest(metrics: GatewayMetrics, res: Response, route: () => string): void {
  const started = performance.now();
  res.on('finish', () => {
    const label = route();
    metrics.httpRequests.inc({ route: label, status: String(res.statusCode) });
    metrics.overhead.observe({ route: label }, (performance.now() - started) / 1000);
  });
}
