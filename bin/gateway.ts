import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApp } from '../api/create-app.js';
import type { OperatorState } from '../api/routes/operator-page.js';
import { EventSubscriber } from '../shared/redis/event-subscriber.js';
import { JobSubmitter } from '../api/job-submitter.js';
import { JobWaiters } from '../api/job-waiters.js';
import { StreamRelay } from '../api/stream-relay.js';
import { VirtualKeyAuth } from '../api/middleware/virtual-key-auth.js';
import type { SwitchyardConfig } from '../shared/config/config-schema.js';
import { JobStore } from '../shared/jobs/job-store.js';
import { isTerminal, toPublicJob } from '../shared/jobs/job-record.js';
import { KeyStore } from '../shared/keys/key-store.js';
import { migrateLegacyKeys } from '../shared/keys/legacy-key-migration.js';
import { LlmQueues } from '../shared/queues/llm-queues.js';
import { WebhookQueue } from '../shared/queues/webhook-queue.js';
import { asRedis, createRedisClient } from '../shared/redis/create-redis-client.js';
import { RedisKeys } from '../shared/redis/redis-keys.js';
import { InflightCalls } from '../workers/dispatch/inflight-calls.js';
import { ChunkPublisher } from '../workers/dispatch/chunk-publisher.js';
import { DeploymentPacing } from '../workers/dispatch/deployment-pacing.js';
import { PauseNotices } from '../workers/dispatch/pause-notices.js';
import { TokenBuckets } from '../shared/rate-limit/index.js';
import { CircuitBreakers } from '../shared/circuit/circuit-breaker.js';
import { UsageLedger } from '../shared/usage/usage-ledger.js';
import { UsageAccountant } from '../shared/usage/usage-accountant.js';
import { PriceTable } from '../shared/usage/price-table.js';
import { GatewayMetrics } from '../shared/metrics/gateway-metrics.js';
import { Budgets } from '../shared/usage/budgets.js';
import { TeamPolicies } from '../shared/keys/team-policies.js';
import { AdmissionSettler } from '../shared/usage/admission-settler.js';
import { Admission } from '../api/admission.js';
import { AdmissionGate } from '../shared/usage/admission-gate.js';
import { startHoldReaper } from '../shared/usage/budget-reaper.js';
import { waitingByPriority } from '../shared/metrics/waiting-by-priority.js';
import { FairPriority } from '../shared/queues/fair-priority.js';
import type { ProviderRuntime } from '../workers/providers/provider-runtime.js';
import { createRuntimes } from '../workers/providers/create-runtime.js';
import { WorkerPool } from '../workers/worker-pool.js';
import { createResponseCache } from './create-cache.js';
import { trackForDrain } from './http-drain.js';
import { SettlingCancellation } from './settling-cancellation.js';
import { registerBatchApi } from '../api/batches/register-batch-api.js';
import { startBatchWorkers, type BatchWorkers } from '../workers/batches/start-batch-workers.js';

/** On shutdown, how long cancels of cut calls may take once the HTTP drain ends (Redis may be down). */
const CANCEL_SETTLE_MS = 2_000;

export interface GatewayOptions {
  config: SwitchyardConfig;
  roles: { api: boolean; worker: boolean };
  logger: Logger;
  /** Runtimes per deployment; built from the config when omitted. */
  runtimes?: Map<string, ProviderRuntime>;
  /** Serve and run the Batch API (default true; tests that compose it themselves turn it off). */
  batches?: boolean;
}

export interface Gateway {
  /** `http://host:port` of the API, when this process serves it. */
  url: string | null;
  adminKey: string;
  adminKeyGenerated: boolean;
  redis: Redis;
  close(graceMs?: number): Promise<void>;
}

/**
 * Wires one Switchyard process: the API role, the worker role, or both, on one shared Redis
 * connection (plus BullMQ's blocking connections and one subscriber).
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, roles, logger } = options;
  // A Cluster client under the Redis type the modules are declared with (see asRedis).
  const redis = asRedis(createRedisClient(config.redis));
  redis.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  const keys = new RedisKeys(config.redis.keyPrefix);
  const store = new JobStore(redis, keys, config.jobs.resultTtlSeconds);
  const keyStore = new KeyStore(redis, keys);
  // Keys written before the key store's `{keys}` hash tag move to their new names (a no-op once done).
  const movedKeys = await migrateLegacyKeys(redis, keys);
  if (movedKeys > 0) logger.info({ keys: movedKeys }, 'moved virtual keys to their hash-tagged names');
  const queues = new LlmQueues(redis, keys);
  for (const name of Object.keys(config.deployments)) queues.queue(name);
  const webhooks = new WebhookQueue(redis, keys, config.webhooks);
  const buckets = new TokenBuckets(redis, config.redis.keyPrefix);
  const pacing = new DeploymentPacing(buckets, config.deployments, { notices: new PauseNotices(redis, keys.pauseEvents()) });
  const circuits = new CircuitBreakers(redis, config.redis.keyPrefix);
  const metrics = new GatewayMetrics();
  const ledger = new UsageLedger(redis, config.redis.keyPrefix);
  const prices = new PriceTable(config.pricing);
  const accountant = new UsageAccountant(ledger, prices, metrics);
  const budgets = new Budgets(redis, config.redis.keyPrefix);
  const teams = new TeamPolicies(redis, config.redis.keyPrefix);
  const settler = new AdmissionSettler(buckets, budgets, prices);
  const closers: Array<(graceMs: number) => Promise<unknown>> = [];

  const onCacheError = (err: unknown): void => logger.warn({ err: { message: (err as Error).message } }, 'cache background error');
  const cache = await createResponseCache(config, redis, onCacheError);

  let pool: WorkerPool | undefined;
  let batchWorkers: BatchWorkers | undefined;
  if (roles.worker) {
    pool = new WorkerPool({
      config,
      store,
      keyStore,
      queues,
      webhooks,
      runtimes: options.runtimes ?? createRuntimes(config.deployments),
      inflight: new InflightCalls(),
      chunks: new ChunkPublisher(redis, keys),
      pacing,
      circuits,
      cache,
      accountant,
      metrics,
      settler,
      teams,
      connection: redis,
      keys,
      logger,
    });
    await pool.start();
    if (options.batches !== false) {
      batchWorkers = await startBatchWorkers({ config, batches: config.batches, redis, keys, store, queues, keyStore, cache, accountant, logger });
      // Batch lines stop being submitted before the deployment workers stop.
      closers.push((graceMs) => batchWorkers!.close(graceMs));
    }
    closers.push((graceMs) => pool!.close(graceMs));
    const stopHoldReaper = startHoldReaper(budgets, (err) => logger.warn({ err: { message: (err as Error).message } }, 'budget hold reaper failed; retrying'));
    closers.push(async () => stopHoldReaper());
  }

  const adminKeyGenerated = !config.server.adminKey;
  const adminKey = config.server.adminKey ?? `sy-admin-${randomBytes(24).toString('base64url')}`;
  /** Queue depths and circuit states of every deployment, read from Redis (operator page, gauges). */
  const operatorState = async (): Promise<OperatorState> => {
    const deployments = Object.keys(config.deployments);
    const [counts, circuitStates] = await Promise.all([
      Promise.all(deployments.map((d) => queues.queue(d).getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'))),
      circuits.states(deployments),
    ]);
    const queueStates = deployments.map((deployment, i) => {
      const c = counts[i]!;
      return { deployment, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
    });
    return { queues: queueStates, circuits: circuitStates };
  };

  let url: string | null = null;
  if (roles.api) {
    const subscriber = new EventSubscriber(redis.duplicate());
    const waiters = new JobWaiters();
    const auth = new VirtualKeyAuth(keyStore);
    const relay = new StreamRelay(keys.streamChannel(randomBytes(8).toString('hex')));
    // Remembers running cancels: a call cut at the shutdown bound cancels its job before Redis closes.
    const cancellation = new SettlingCancellation(redis, keys, store, queues, webhooks, settler, metrics);
    await subscriber.on(keys.jobEvents(), waiters.onMessage);
    await subscriber.on(relay.channel, relay.onMessage);
    await subscriber.on(keys.keyEvents(), (keyId) => auth.forget(keyId));
    // Whatever was published while the subscription was away is gone: re-read what it stood for.
    subscriber.onResubscribed(() => {
      auth.forgetAll();
      void waiters.catchUp(async (id) => {
        const record = await store.get(id);
        return record && isTerminal(record.status) ? { id, status: record.status, job: toPublicJob(record) } : null;
      });
    });
    const batchApi = options.batches === false ? null : registerBatchApi({ config, batches: config.batches, redis, keys, auth: auth.middleware });
    const api = createApp({
      config,
      adminKey,
      logger,
      store,
      keyStore,
      auth,
      waiters,
      relay,
      cache,
      ledger,
      accountant,
      metrics,
      teams,
      budgets,
      admission: new Admission(teams, new AdmissionGate(redis, buckets, budgets), prices, (deployment) => config.deployments[deployment]!.defaultMaxTokens, metrics),
      operatorState,
      refreshGauges: async () => {
        const fair = new FairPriority(redis, keys);
        const [state, byPriority] = await Promise.all([
          operatorState(),
          Promise.all(Object.keys(config.deployments).map(async (d) => [d, await waitingByPriority(redis, queues.queue(d), (p) => fair.reentry(p))] as const)),
        ]);
        for (const q of state.queues) {
          for (const kind of ['waiting', 'active', 'delayed', 'failed'] as const) metrics.queueDepth.set({ deployment: q.deployment, state: kind }, q[kind]);
          metrics.circuitState.set({ deployment: q.deployment }, { closed: 0, half_open: 0.5, open: 1 }[state.circuits[q.deployment] ?? 'closed'] ?? 0);
        }
        for (const [deployment, counts] of byPriority) {
          for (const [priority, n] of Object.entries(counts)) metrics.queueDepthByPriority.set({ deployment, priority }, n);
        }
      },
      submitter: new JobSubmitter(config, redis, keys, store, queues, webhooks, buckets, (request, deployment) => pacing.bucketTokens(request, deployment)),
      cancellation,
      batchApi: batchApi?.router,
      boardQueues: [...queues.all(), webhooks.queue, ...(batchApi?.queues.all() ?? [])],
      readiness: async () => {
        const redisOk = await redis.ping().then((r) => r === 'PONG', () => false);
        const checks: Record<string, boolean> = { redis: redisOk };
        const details: Record<string, string> = {};
        if (pool) checks.workers = pool.isRunning();
        if (batchWorkers) checks.batchWorkers = batchWorkers.isRunning();
        for (const [deployment, state] of Object.entries(await circuits.states(Object.keys(config.deployments)))) {
          // An open circuit is reported, not fatal: traffic fails over while it lasts.
          details[`circuit:${deployment}`] = state;
        }
        return { ready: Object.values(checks).every(Boolean), checks, details };
      },
    });
    const server: Server = createServer(api.serverOptions, api.listener).listen(config.server.port, config.server.host);
    const http = trackForDrain(server);
    await once(server, 'listening');
    server.keepAliveTimeout = 65_000;
    const address = server.address() as AddressInfo;
    const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
    url = `http://${host}:${address.port}`;
    // Stop accepting first, so in-flight requests finish (up to the grace period) while workers still run.
    // Kept-alive connections end with their last response (see trackForDrain); calls still open at
    // the bound are cut, and their jobs cancelled before the Redis connection closes.
    closers.unshift(async (graceMs) => {
      const { cut } = await http.drain(graceMs);
      if (cut > 0) logger.warn({ cut }, 'cut requests still open at the shutdown grace bound');
      if (!(await cancellation.settled(CANCEL_SETTLE_MS))) logger.warn('cancels of cut calls did not finish before shutdown');
      await Promise.all([subscriber.close(), batchApi?.close()]);
    });
  }

  return {
    url,
    adminKey,
    adminKeyGenerated,
    redis,
    async close(graceMs = 10_000) {
      for (const close of closers) await close(graceMs);
      await queues.close();
      await webhooks.close();
      await redis.quit();
    },
  };
}
