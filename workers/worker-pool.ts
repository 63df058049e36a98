import { createServer, type Server } from 'node:http';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisKeys } from '../shared/redis/redis-keys.js';
import { llmQueueName, WEBHOOK_QUEUE } from '../shared/queues/queue-names.js';
import { processAttempt, type DispatchDeps } from './dispatch/process-attempt.js';
import { RateLimitSignal } from './dispatch/deployment-pacing.js';
import { EventSubscriber } from '../shared/redis/event-subscriber.js';
import { listenForWorkerEvents } from './worker-events.js';
import { stillHoldsLock } from './stale-fetch.js';
import { PromptWorker } from './prompt-worker.js';
import { failAbandonedAttempt, sweepAbandonedAttempts } from './dispatch/abandoned-attempt.js';
import { deliverJobWebhook, type WebhookDeliveryDeps } from './webhooks/deliver-job-webhook.js';

export interface WorkerPoolDeps extends DispatchDeps, Omit<WebhookDeliveryDeps, 'store' | 'config'> {
  /** Connection the pool duplicates for BullMQ's blocking reads and for the cancel subscription. */
  connection: Redis;
  keys: RedisKeys;
  logger: Logger;
}

const REAP_EVERY_MS = 30_000;

/**
 * The worker role: one BullMQ worker per configured deployment (its `concurrency` at once), one
 * for webhook deliveries, and a subscription to cancel requests so running calls can be aborted.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private subscriber: EventSubscriber | undefined;
  private reaper: NodeJS.Timeout | undefined;
  private metricsServer: Server | undefined;

  constructor(private readonly deps: WorkerPoolDeps) {}

  async start(): Promise<void> {
    const { config, keys, connection, logger } = this.deps;
    const lockOptions = {
      lockDuration: config.workers.lockDurationMs,
      stalledInterval: config.workers.stalledIntervalMs,
      maxStalledCount: config.workers.maxStalledCount,
    };
    for (const [name, deployment] of Object.entries(config.deployments)) {
      const queueName = llmQueueName(name);
      const worker: Worker = new PromptWorker(queueName, (job) => this.runAttempt(worker, name, job), {
        connection,
        prefix: keys.bullPrefix(queueName),
        concurrency: deployment.concurrency,
        ...lockOptions,
      });
      this.watch(worker, name);
      this.watchAbandoned(worker, name);
    }
    const webhookWorker = new PromptWorker(WEBHOOK_QUEUE, (job) => deliverJobWebhook(this.deps, job), {
      connection,
      prefix: keys.bullPrefix(WEBHOOK_QUEUE),
      concurrency: config.webhooks.concurrency,
      ...lockOptions,
    });
    this.watch(webhookWorker, WEBHOOK_QUEUE);
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));

    this.subscriber = new EventSubscriber(connection.duplicate());
    await listenForWorkerEvents(this.subscriber, keys, this.deps);
    if (config.workers.metricsPort > 0) {
      this.metricsServer = createServer((_req, res) => {
        void this.deps.metrics.registry.metrics().then((text) => {
          res.setHeader('content-type', this.deps.metrics.registry.contentType);
          res.end(text);
        });
      }).listen(config.workers.metricsPort);
    }
    // Reservations whose holder died (SIGKILL mid-call) go back to the buckets; attempts BullMQ gave
    // up on while their records could not be failed are failed now (on start too: the worker that
    // should have done it may be the one that died).
    const deployments = Object.keys(config.deployments);
    const reap = (): void => {
      void this.deps.pacing.reapExpired().catch(() => undefined);
      void sweepAbandonedAttempts(this.deps, deployments).then(
        (failed) => {
          if (failed > 0) logger.warn({ failed }, 'failed the jobs of abandoned attempts');
        },
        (err: unknown) => logger.error({ err: messageOf(err) }, 'sweeping abandoned attempts failed'),
      );
    };
    reap();
    this.reaper = setInterval(reap, REAP_EVERY_MS);
    this.reaper.unref();
    logger.info({ deployments: Object.keys(config.deployments) }, 'workers started');
  }

  /** Runs an attempt; a short bucket rate-limits the whole queue (every worker) for exactly the refill time. */
  private async runAttempt(worker: Worker, deployment: string, job: Job): Promise<void> {
    // Not ours any more (see stillHoldsLock): WaitingError makes BullMQ neither complete nor fail it.
    if (!(await stillHoldsLock(job, this.deps.config.workers.lockDurationMs))) throw new WaitingError();
    try {
      await processAttempt(this.deps, deployment, job);
    } catch (err) {
      if (!(err instanceof RateLimitSignal)) throw err;
      this.deps.metrics.rateLimitWaits.inc({ deployment });
      await worker.rateLimit(err.waitMs);
      throw Worker.RateLimitError();
    }
  }

  /** True when every BullMQ worker is connected and running (for /readyz). */
  isRunning(): boolean {
    return this.workers.length > 0 && this.workers.every((w) => w.isRunning());
  }

  /**
   * Stops taking jobs and waits for running ones up to `graceMs`; then aborts what is left, whose
   * BullMQ jobs another worker picks up after their lock expires (nothing is lost).
   */
  async close(graceMs = 10_000): Promise<void> {
    clearInterval(this.reaper);
    this.metricsServer?.close();
    const closing = Promise.all(this.workers.map((w) => w.close()));
    const timer = setTimeout(() => this.deps.inflight.abortAll(), graceMs);
    await closing;
    clearTimeout(timer);
    await this.subscriber?.close();
  }

  private watch(worker: Worker, name: string): void {
    worker.on('error', (err) => this.deps.logger.error({ err: { message: err.message }, queue: name }, 'worker error'));
    this.workers.push(worker);
  }

  /**
   * An attempt whose processing threw: logged each time; once BullMQ will not run it again its job
   * record is failed. That is after the last try, or at once for BullMQ's own UnrecoverableError,
   * which is how it fails a job that stalled more than `maxStalledCount` times (its workers died
   * mid-call, as a request that crashes every worker would make them).
   */
  private watchAbandoned(worker: Worker, name: string): void {
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      this.deps.logger.error({ err: { message: err.message }, queue: name, bullJob: job.id, final }, 'attempt processing failed');
      if (!final) return;
      void failAbandonedAttempt(this.deps, job).catch((failure: unknown) =>
        this.deps.logger.error({ err: messageOf(failure), bullJob: job.id }, 'could not fail the job of an abandoned attempt'),
      );
    });
  }
}

/** An error as logged: its message only (never a stack, which may carry request data). */
function messageOf(err: unknown): { message: string } {
  return { message: err instanceof Error ? err.message : String(err) };
}
