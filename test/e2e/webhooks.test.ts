import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue, QueueEvents } from 'bullmq';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { WEBHOOK_QUEUE } from '../../shared/queues/queue-names.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { openAIErrorFault, startOpenAIEmulator, type OpenAIEmulator } from '../emulators/index.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
import { testRedis } from '../helpers/test-redis.js';
import { startWebhookReceiver, type Delivery } from '../helpers/webhook-receiver.js';

const vectors = JSON.parse(readFileSync(new URL('../../../shared/fixtures/webhooks/standard-webhooks.json', import.meta.url), 'utf8')) as {
  sign_vectors: Array<{ secret: string; msg_id: string; timestamp: number; payload: string; expected_signature: string }>;
};

/** The Standard Webhooks algorithm, written out here independently of the gateway's own signer. */
function referenceSignature(secret: string, msgId: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64')}`;
}

function verifies(delivery: Delivery, secret: string): boolean {
  const id = String(delivery.headers['webhook-id']);
  const timestamp = String(delivery.headers['webhook-timestamp']);
  const expected = Buffer.from(referenceSignature(secret, id, timestamp, delivery.body));
  return String(delivery.headers['webhook-signature'])
    .split(' ')
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(Buffer.from(candidate), expected));
}

/** Submits an async job with a webhook through the official SDK. */
function submitWithHook(client: OpenAI, model: string, content: string, url: string, headers: Record<string, string> = {}): Promise<PublicJob> {
  return client.post<PublicJob>('/jobs', { body: { request: { model, messages: [{ role: 'user', content }] }, webhook: { url } }, headers });
}

describe('signed webhooks for async jobs', () => {
  let gateway: TestGateway;
  let emulator: OpenAIEmulator;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let key: { key: string; webhook_secret: string };

  beforeAll(async () => {
    receiver = await startWebhookReceiver([500, 503]);
    emulator = await startOpenAIEmulator();
    gateway = await startTestGateway(
      testConfig({
        deployments: { local: { provider: 'mock' }, oa: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: emulator.url, maxAttempts: 1 } },
        models: { mock: [{ deployment: 'local', model: 'mock-1' }], gpt: [{ deployment: 'oa', model: 'gpt-4o' }] },
        webhooks: { allowPrivate: true, backoffMs: 50, attempts: 5 },
      }),
    );
    key = await gateway.createKey('team-hooks');
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
    await emulator?.close();
  });

  it('the reference algorithm reproduces the official test vector', () => {
    const v = vectors.sign_vectors[0]!;
    expect(referenceSignature(v.secret, v.msg_id, String(v.timestamp), v.payload)).toBe(v.expected_signature);
  });

  it('delivers job.succeeded, signed with the key\'s secret, retrying non-2xx answers with the same webhook-id', async () => {
    const first = receiver.next();
    const job = await submitWithHook(gateway.client(key.key), 'mock', 'notify me', receiver.url);
    await first;
    await receiver.next();
    const delivered = await receiver.next();

    expect(receiver.deliveries).toHaveLength(3);
    const ids = new Set(receiver.deliveries.map((d) => d.headers['webhook-id']));
    expect(ids).toEqual(new Set([`msg_${job.id}`]));
    expect(verifies(delivered, key.webhook_secret)).toBe(true);
    expect(verifies(delivered, 'whsec_' + Buffer.from('another secret, 24 bytes').toString('base64'))).toBe(false);
    const timestamp = Number(delivered.headers['webhook-timestamp']);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);

    const payload = JSON.parse(delivered.body) as { type: string; timestamp: string; data: PublicJob };
    expect(payload.type).toBe('job.succeeded');
    expect(payload.data.id).toBe(job.id);
    expect(payload.data.result?.choices[0]?.message.content).toBe('This is a mock response to: notify me');
    expect(delivered.body).not.toContain(key.key);
    expect(delivered.body).not.toContain(key.webhook_secret);
  });

  it('carries the submitting request\'s x-request-id to the webhook', async () => {
    const delivered = receiver.next();
    const job = await submitWithHook(gateway.client(key.key), 'mock', 'trace me', receiver.url, { 'x-request-id': 'req-trace-42' });
    const delivery = await delivered;
    expect(delivery.headers['webhook-id']).toBe(`msg_${job.id}`);
    expect(delivery.headers['x-request-id']).toBe('req-trace-42');
  });

  it('delivers job.failed, signed, with the OpenAI error of a vendor refusal', async () => {
    emulator.faults.set({ ...openAIErrorFault('400'), times: 1 });
    const delivered = receiver.next();
    const job = await submitWithHook(gateway.client(key.key), 'gpt', 'refuse me', receiver.url);
    const delivery = await delivered;

    expect(verifies(delivery, key.webhook_secret)).toBe(true);
    expect(delivery.headers['webhook-id']).toBe(`msg_${job.id}`);
    const payload = JSON.parse(delivery.body) as { type: string; data: PublicJob };
    expect(payload.type).toBe('job.failed');
    expect(payload.data).toMatchObject({ id: job.id, status: 'failed', result: null, error: { type: 'invalid_request_error' } });
    expect(payload.data.attempts).toEqual([expect.objectContaining({ deployment: 'oa', status: 'failed' })]);
    expect(delivery.body).not.toContain('sk-test-emulator');
  });

  it('delivers job.cancelled, signed, when a running job is cancelled', async () => {
    emulator.faults.set({ hang: true, times: 1 });
    const client = gateway.client(key.key);
    const arrived = emulator.arrived(emulator.requests.length + 1);
    const job = await submitWithHook(client, 'gpt', 'hang then cancel', receiver.url);
    await arrived; // the job is running: its vendor call hangs
    const delivered = receiver.next();
    expect((await client.delete<PublicJob>(`/jobs/${job.id}`)).status).toBe('cancelled');
    const delivery = await delivered;

    expect(verifies(delivery, key.webhook_secret)).toBe(true);
    const payload = JSON.parse(delivery.body) as { type: string; data: PublicJob };
    expect(payload.type).toBe('job.cancelled');
    expect(payload.data).toMatchObject({ id: job.id, status: 'cancelled', result: null });
  });
});

describe('a webhook delivery that never succeeds', () => {
  const attempts = 3;
  let gateway: TestGateway;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(Array(attempts).fill(500));
    gateway = await startTestGateway(testConfig({ webhooks: { allowPrivate: true, backoffMs: 20, attempts } }));
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
  });

  it('is kept as dead (failed in BullMQ, with its last error) after the last attempt', async () => {
    const connection = testRedis();
    const prefix = new RedisKeys(gateway.config.redis.keyPrefix).bullPrefix(WEBHOOK_QUEUE);
    const queue = new Queue(WEBHOOK_QUEUE, { connection, prefix });
    const events = new QueueEvents(WEBHOOK_QUEUE, { connection: connection.duplicate(), prefix });
    try {
      await events.waitUntilReady();
      // QueueEvents' 'failed' fires when a job moves to the failed set: after its last attempt, not on retries.
      const failed = new Map<string, string>();
      const waiting = new Map<string, (reason: string) => void>();
      events.on('failed', ({ jobId, failedReason }) => {
        failed.set(jobId, failedReason);
        waiting.get(jobId)?.(failedReason);
      });
      const { key } = await gateway.createKey('team-dead-hooks');
      const job = await submitWithHook(gateway.client(key), 'mock', 'nobody listens', receiver.url);
      const deliveryId = `wh-${job.id}`;
      const reason = failed.get(deliveryId) ?? (await new Promise<string>((resolve) => waiting.set(deliveryId, resolve)));
      expect(reason).toContain('answered HTTP 500');

      const final = (await queue.getJob(deliveryId))!;
      expect(await final.getState()).toBe('failed');
      expect(final.attemptsMade).toBe(attempts);
      expect(final.failedReason).toContain('answered HTTP 500');
      expect(receiver.deliveries).toHaveLength(attempts);
      expect(new Set(receiver.deliveries.map((d) => d.headers['webhook-id']))).toEqual(new Set([`msg_${job.id}`]));
    } finally {
      await events.close();
      await queue.close();
      await connection.quit();
    }
  });
});
