import { Router } from 'express';

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
  /** Extra state worth seeing (circuit per deployment). */
  details?: Record<string, string>;
}

/** `/healthz`: the process is up. `/readyz`: Redis answers and workers run (503 with the failing checks otherwise). */
export function healthRouter(readiness: () => Promise<Readiness>): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const state = await readiness();
    res.status(state.ready ? 200 : 503).json({ status: state.ready ? 'ready' : 'not_ready', checks: state.checks, details: state.details ?? {} });
  });
  return router;
}
