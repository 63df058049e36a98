import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
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

describe('signed webhooks for async jobs', () => {
  let gateway: TestGateway;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let key: { key: string; webhook_secret: string };

  beforeAll(async () => {
    receiver = await startWebhookReceiver([500, 503]);
    gateway = await startTestGateway(testConfig({ webhooks: { allowPrivate: true, backoffMs: 50, attempts: 5 } }));
    key = await gateway.createKey('team-hooks');
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
  });

  it('the reference algorithm reproduces the official test vector', () => {
    const v = vectors.sign_vectors[0]!;
    expect(referenceSignature(v.secret, v.msg_id, String(v.timestamp), v.payload)).toBe(v.expected_signature);
  });

  it('delivers job.succeeded, signed with the key\'s secret, retrying non-2xx answers with the same webhook-id', async () => {
    const first = receiver.next();
    const res = await fetch(`${gateway.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ request: { model: 'mock', messages: [{ role: 'user', content: 'notify me' }] }, webhook: { url: receiver.url } }),
    });
    const job = (await res.json()) as PublicJob;
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
});
