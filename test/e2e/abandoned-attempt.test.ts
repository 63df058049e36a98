import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { llmQueueName } from '../../shared/queues/queue-names.js';
import { PROCESSING_ATTEMPTS } from '../../shared/queues/llm-queues.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
import { testRedis } from '../helpers/test-redis.js';

/*
 * Attempts BullMQ gives up on end their jobs as failed, so a client's long-poll (or webhook) gets an
 * answer instead of waiting on a job nothing will ever move again: one whose processing throws in
 * the worker itself (here its BullMQ job data no longer parses, as after an incompatible upgrade;
 * in production more often Redis failing mid-attempt) after BullMQ's last try, and one BullMQ fails
 * itself for having stalled more than `maxStalledCount` times (its workers died mid-call).
 */
describe('attempts BullMQ gives up on', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  /** An API with no worker and one queued job: what the scenarios start from. */
  async function queueOneJob() {
    const redis = testRedis();
    closers.push(() => redis.quit());
    const config = testConfig();
    const api = await startTestGateway(config, { roles: { api: true, worker: false } });
    closers.push(() => api.close());
    const headers = { authorization: `Bearer ${(await api.createKey('team-abandoned')).key}`, 'content-type': 'application/json' };
    const submitted = await fetch(`${api.url}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ request: { model: 'mock', messages: [{ role: 'user', content: 'hello' }] } }) });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as PublicJob;
    const queueName = llmQueueName(config.models.mock![0]!.deployment);
    return { redis, config, api, headers, id, queueName, prefix: new RedisKeys(config.redis.keyPrefix).bullPrefix(queueName) };
  }

  /** Queues one job with no worker running, lets `tamper` change its BullMQ job hash, then starts a worker and waits for the job's end. */
  async function runTampered(tamper: (redis: ReturnType<typeof testRedis>, bullKey: string) => Promise<void>) {
    const { redis, config, api, headers, id, queueName, prefix } = await queueOneJob();
    const bullKey = `${prefix}:${queueName}:${id}-1`;
    expect(JSON.parse((await redis.hget(bullKey, 'data')) ?? 'null')).toMatchObject({ jobId: id, seq: 1 });
    await tamper(redis, bullKey);

    const worker: TestGateway = await startTestGateway(config, { roles: { api: false, worker: true } });
    closers.push(() => worker.close());
    let job: PublicJob;
    do job = (await (await fetch(`${api.url}/v1/jobs/${id}?wait=20`, { headers })).json()) as PublicJob;
    while (job.status === 'queued' || job.status === 'running');

    const queue = new Queue(queueName, { connection: redis, prefix });
    closers.push(() => queue.close());
    return { job, attempt: await queue.getJob(`${id}-1`) };
  }

  it(`an attempt whose processing throws is tried ${PROCESSING_ATTEMPTS} times, then its job fails with an internal error`, async () => {
    const { job, attempt } = await runTampered(async (redis, bullKey) => {
      const data = JSON.parse((await redis.hget(bullKey, 'data'))!) as Record<string, unknown>;
      await redis.hset(bullKey, 'data', JSON.stringify({ ...data, tokens: -1 })); // fails the attempt data's schema
    });
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('internal');
    expect(job.attempts).toEqual([]); // it never reached a vendor
    expect(attempt?.attemptsMade).toBe(PROCESSING_ATTEMPTS);
    expect(await attempt?.getState()).toBe('failed');
  }, 30_000);

  it('an attempt BullMQ fails for stalling too often ends its job at once', async () => {
    // What BullMQ's stalled check writes on a job past maxStalledCount: the next worker to take it fails it.
    const { job, attempt } = await runTampered((redis, bullKey) => redis.hset(bullKey, 'defa', 'job stalled more than allowable limit').then(() => undefined));
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('internal');
    expect(attempt?.failedReason).toBe('job stalled more than allowable limit');
    expect(await attempt?.getState()).toBe('failed');
  }, 30_000);

  it('a record left running when its attempt failed (the failing worker could not end it) is ended by the next worker to start', async () => {
    const { redis, config, api, headers, id, queueName, prefix } = await queueOneJob();
    // A worker that fails the attempt and dies before it can touch the record: plain BullMQ, no handler.
    const doomed = new Worker(queueName, () => Promise.reject(new UnrecoverableError('Redis went away mid-attempt')), { connection: redis.duplicate(), prefix });
    const [failedJob] = (await once(doomed, 'failed')) as [{ id: string }];
    expect(failedJob.id).toBe(`${id}-1`);
    await doomed.close();
    const orphan = (await (await fetch(`${api.url}/v1/jobs/${id}`, { headers })).json()) as PublicJob;
    expect(orphan.status).toBe('queued');

    const worker = await startTestGateway(config, { roles: { api: false, worker: true } });
    closers.push(() => worker.close());
    let job: PublicJob;
    do job = (await (await fetch(`${api.url}/v1/jobs/${id}?wait=20`, { headers })).json()) as PublicJob;
    while (job.status === 'queued' || job.status === 'running');
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('internal');
  }, 30_000);
});
