import type { RequestListener, ServerOptions } from 'node:http';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { Queue } from 'bullmq';
import type { SwitchyardConfig } from '../shared/config/config-schema.js';
import { GatewayError } from '../shared/errors/gateway-error.js';
import type { JobStore } from '../shared/jobs/job-store.js';
import type { KeyStore } from '../shared/keys/key-store.js';
import type { JobCancellation } from './job-cancellation.js';
import type { JobSubmitter } from './job-submitter.js';
import type { JobWaiters } from './job-waiters.js';
import type { StreamRelay } from './stream-relay.js';
import type { SemanticCache } from '../shared/cache/semantic-cache.js';
import { adminAuth } from './middleware/admin-auth.js';
import { errorHandler } from './middleware/error-handler.js';
import { requestId } from './middleware/request-id.js';
import type { VirtualKeyAuth } from './middleware/virtual-key-auth.js';
import { adminKeysRouter } from './routes/admin-keys.js';
import { adminCacheRouter } from './routes/admin-cache.js';
import { usageRouter } from './routes/usage.js';
import type { Admission } from './admission.js';
import type { TeamPolicies } from '../shared/keys/team-policies.js';
import type { Budgets } from '../shared/usage/budgets.js';
import { operatorPageRouter, type OperatorState } from './routes/operator-page.js';
import { httpMetrics, metricsRouter, type GaugeRefresh } from './routes/metrics.js';
import type { GatewayMetrics } from '../shared/metrics/gateway-metrics.js';
import type { UsageLedger } from '../shared/usage/usage-ledger.js';
import type { UsageAccountant } from '../shared/usage/usage-accountant.js';
import { bullBoardRouter } from './routes/bull-board.js';
import { CHAT_COMPLETIONS_PATH, chatCompletionHandler, chatCompletionsRouter } from './routes/chat-completions.js';
import { healthRouter, type Readiness } from './routes/health.js';
import { JOBS_PATH, jobsRouter, submitJobHandler } from './routes/jobs.js';
import { withHotLane } from './hot-lane.js';
import { expressMessageOptions } from './express-messages.js';
import { modelsRouter } from './routes/models.js';

export interface AppDeps {
  config: SwitchyardConfig;
  adminKey: string;
  logger: Logger;
  store: JobStore;
  keyStore: KeyStore;
  auth: VirtualKeyAuth;
  submitter: JobSubmitter;
  waiters: JobWaiters;
  relay: StreamRelay;
  cancellation: JobCancellation;
  /** The response cache; null when both tiers are disabled. */
  cache: SemanticCache | null;
  ledger: UsageLedger;
  admission: Admission;
  teams: TeamPolicies;
  budgets: Budgets;
  metrics: GatewayMetrics;
  refreshGauges: GaugeRefresh;
  operatorState: () => Promise<OperatorState>;
  accountant: UsageAccountant;
  /** `/v1/files` and `/v1/batches` (authenticated by the router itself). */
  batchApi?: Router;
  /** Every queue Bull Board shows. */
  boardQueues: Queue[];
  readiness: () => Promise<Readiness>;
}

/** What the API's node:http server is built from: `createServer(serverOptions, listener)`. */
export interface ApiHttp {
  /** The Express app, with the two hot routes also served by the hot lane in front of it. */
  listener: RequestListener;
  /** Requests and responses born as Express's (see express-messages.ts). */
  serverOptions: ServerOptions;
}

/** Builds the API's HTTP request listener and server options (no `listen`: the entry point does that). */
export function createApp(deps: AppDeps): ApiHttp {
  const chatDeps = { ...deps, syncTimeoutMs: deps.config.server.syncTimeoutMs };
  const jobDeps = { ...deps, maxWaitSeconds: deps.config.server.maxWaitSeconds, allowPrivateWebhooks: deps.config.webhooks.allowPrivate };
  const onError = errorHandler(deps.logger);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId);
  app.use(httpMetrics(deps.metrics));
  app.use(healthRouter(deps.readiness));
  // Batch files are multipart: the batch router parses its own bodies, before the JSON parser.
  if (deps.batchApi) app.use(deps.batchApi);
  app.use(express.json({ limit: deps.config.server.bodyLimitBytes, type: () => true }));

  // The two hot routes come first (for what the hot lane leaves to Express): every router ahead of
  // a request is a layer it walks through.
  app.use('/v1', deps.auth.middleware);
  app.use(chatCompletionsRouter(chatDeps));
  app.use(jobsRouter(jobDeps));
  app.use(modelsRouter(deps.config));

  const admin = adminAuth(deps.adminKey);
  app.use('/admin/queues', admin, bullBoardRouter(deps.boardQueues));
  app.use('/admin', admin);
  app.use(adminKeysRouter(deps.keyStore, deps.teams, deps.budgets, deps.config));
  app.use(adminCacheRouter(deps.cache));
  app.use(operatorPageRouter(deps.ledger, deps.operatorState));
  app.use('/metrics', admin);
  app.use(metricsRouter(deps.metrics, deps.refreshGauges));

  app.use(usageRouter(deps.ledger));

  app.use((req, _res, next) => next(new GatewayError('not_found', `Unknown request URL: ${req.method} ${req.path}.`)));
  app.use(onError);
  const listener = withHotLane(app, {
    routes: { [CHAT_COMPLETIONS_PATH]: chatCompletionHandler(chatDeps), [JOBS_PATH]: submitJobHandler(jobDeps) },
    auth: deps.auth,
    metrics: deps.metrics,
    bodyLimitBytes: deps.config.server.bodyLimitBytes,
    onError,
  });
  return { listener, serverOptions: expressMessageOptions(app) };
}
