import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobCancellation } from '../../api/job-cancellation.js';
import { bullJobId, type PublicJob } from '../../shared/jobs/job-record.js';
import { JobStore } from '../../shared/jobs/job-store.js';
import { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';
import { LlmQueues } from '../../shared/queues/llm-queues.js';
import { WebhookQueue } from '../../shared/queues/webhook-queue.js';
import { TokenBuckets } from '../../shared/rate-limit/index.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { AdmissionSettler } from '../../shared/usage/admission-settler.js';
import { Budgets } from '../../shared/usage/budgets.js';
import { PriceTable } from '../../shared/usage/price-table.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
import { testRedis } from '../helpers/test-redis.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { createMockRuntime } from '../../workers/providers/mock/mock-runtime.js';
import type { ProviderRuntime } from '../../workers/providers/provider-runtime.js';

/** A vendor that never answers: each call reports that it started, then waits for its abort. */
function hangingRuntime(): { runtime: ProviderRuntime; started: Promise<void> } {
  let started!: () => void;
  const startedOnce = new Promise<void>((resolve) => (started = resolve));
  const hang = (signal: AbortSignal): Promise<never> => {
    started();
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
  };
  return { runtime: { complete: (_r, _m, _c, options) => hang(options.signal), stream: (_r, _m, _c, options) => hang(options.signal) }, started: startedOnce };
}

/**
 * A cancel whose follow-ups fail half-way (Redis lost right after the record was marked) must not
 * lose them. A queued attempt stays queued until they are done, so the worker that takes it finds
 * the job ended and sends what the cancel could not; a running attempt's worker, whose FINISH finds
 * the job ended, does the same.
 */
describe('a cancel whose follow-ups fail', () => {
  const config = testConfig({
    deployments: { local: { provider: 'mock' }, held: { provider: 'mock' } },
    models: { mock: [{ deployment: 'local', model: 'mock-1' }], held: [{ deployment: 'held', model: 'mock-1' }] },
    webhooks: { allowPrivate: true, backoffMs: 20, attempts: 3 },
  });
  const vendor = hangingRuntime();
  const redis = testRedis();
  const keys = new RedisKeys(config.redis.keyPrefix);
  const store = new JobStore(redis, keys, config.jobs.resultTtlSeconds);
  const queues = new LlmQueues(redis, keys);
  const settler = new AdmissionSettler(new TokenBuckets(redis, config.redis.keyPrefix), new Budgets(redis, config.redis.keyPrefix), new PriceTable(config.pricing));
  /** The webhook queue as the API has it, except that its next enqueue fails as a lost connection would. */
  const webhooks = new WebhookQueue(redis, keys, config.webhooks);
  let failNextEnqueue = false;
  const enqueue = webhooks.enqueue.bind(webhooks);
  webhooks.enqueue = (data) => {
    if (!failNextEnqueue) return enqueue(data);
    failNextEnqueue = false;
    return Promise.reject(new Error('Connection is closed.'));
  };
  const cancellation = new JobCancellation(redis, keys, store, queues, webhooks, settler, new GatewayMetrics());
  let api: TestGateway;
  let worker: TestGateway | undefined;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let client: ReturnType<TestGateway['client']>;
  const submit = (model: string, content: string): Promise<PublicJob> =>
    client.post<PublicJob>('/jobs', { body: { request: { model, messages: [{ role: 'user', content }] }, webhook: { url: receiver.url } } });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
    client = api.client((await api.createKey('team-cancel')).key);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await Promise.all([queues.close(), webhooks.close()]);
    await redis.quit();
    await receiver?.close();
  });

  it('leaves a queued attempt queued, and the worker that takes it sends the job.cancelled webhook', async () => {
    const job = await submit('mock', 'never run');
    const attempt = bullJobId(job.id, 1);
    // Queued (BullMQ keeps prioritized jobs in their own state).
    expect(await queues.queue('local').getJobState(attempt)).toBe('prioritized');

    failNextEnqueue = true;
    await expect(cancellation.cancel(job.id, 'Cancelled by the client')).rejects.toThrow('Connection is closed.');
    expect((await store.get(job.id))?.status).toBe('cancelled');
    expect(await queues.queue('local').getJobState(attempt)).toBe('prioritized');

    const delivered = receiver.next();
    worker = await startTestGateway(config, { roles: { api: false, worker: true }, runtimes: new Map([['local', createMockRuntime()], ['held', vendor.runtime]]) });
    const payload = JSON.parse((await delivered).body) as { type: string; data: PublicJob };
    expect(payload.type).toBe('job.cancelled');
    expect(payload.data).toMatchObject({ id: job.id, status: 'cancelled', result: null });
    expect((await store.get(job.id))?.attempts).toEqual([]); // the worker never called the vendor
  });

  it('sends the job.cancelled webhook from the worker whose running call the cancel aborted', async () => {
    const job = await submit('held', 'hang until cancelled');
    await vendor.started;
    const delivered = receiver.next();
    failNextEnqueue = true;
    await expect(cancellation.cancel(job.id, 'Cancelled by the client')).rejects.toThrow('Connection is closed.');
    const payload = JSON.parse((await delivered).body) as { type: string; data: PublicJob };
    expect(payload.type).toBe('job.cancelled');
    expect(payload.data).toMatchObject({ id: job.id, status: 'cancelled' });
  });
});
