import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { llmQueueName } from '../../shared/queues/queue-names.js';
import { PROCESSING_ATTEMPTS } from '../../shared/queues/llm-queues.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
import { testRedis } from '../helpers/test-redis.js';

/*
 * An attempt whose processing throws in the worker itself (here: its BullMQ job data no longer
 * parses, as after an incompatible upgrade; in production more often Redis failing mid-attempt)
 * is retried by BullMQ, and after the last try its job ends as failed: the client's long-poll gets
 * an answer instead of waiting on a job nothing will ever move again.
 */
describe('an attempt the worker cannot process', () => {
  const redis = testRedis();
  let api: TestGateway | undefined;
  let worker: TestGateway | undefined;
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await redis.quit();
  });

  it(`is tried ${PROCESSING_ATTEMPTS} times, then its job fails with an internal error`, async () => {
    const config = testConfig();
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
    const headers = { authorization: `Bearer ${(await api.createKey('team-abandoned')).key}`, 'content-type': 'application/json' };
    const submitted = await fetch(`${api.url}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ request: { model: 'mock', messages: [{ role: 'user', content: 'hello' }] } }) });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as PublicJob;

    // No worker runs yet: break the queued attempt's data (a negative token count fails its schema).
    const queue = llmQueueName(config.models.mock![0]!.deployment);
    const keys = new RedisKeys(config.redis.keyPrefix);
    const bullKey = `${keys.bullPrefix(queue)}:${queue}:${id}-1`;
    const data = JSON.parse((await redis.hget(bullKey, 'data')) ?? 'null') as Record<string, unknown>;
    expect(data).toMatchObject({ jobId: id, seq: 1 });
    await redis.hset(bullKey, 'data', JSON.stringify({ ...data, tokens: -1 }));

    worker = await startTestGateway(config, { roles: { api: false, worker: true } });
    let job: PublicJob;
    do job = (await (await fetch(`${api.url}/v1/jobs/${id}?wait=20`, { headers })).json()) as PublicJob;
    while (job.status === 'queued' || job.status === 'running');

    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('internal');
    expect(job.attempts).toEqual([]); // it never reached a vendor
    const attemptQueue = new Queue(queue, { connection: redis, prefix: keys.bullPrefix(queue) });
    const attempt = await attemptQueue.getJob(`${id}-1`);
    expect(attempt?.attemptsMade).toBe(PROCESSING_ATTEMPTS);
    expect(await attempt?.getState()).toBe('failed');
    await attemptQueue.close();
  }, 30_000);
});
