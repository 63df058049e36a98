import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import type { PublicKey } from '../../shared/keys/key-store.js';
import { hashVirtualKey } from '../../shared/keys/virtual-key.js';
import { verifyWebhook } from '../../shared/webhooks/sign-webhook.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

describe('key rotation, webhook secret rotation and the enabled flag', () => {
  let gateway: TestGateway;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const seenSecrets: string[] = [];

  const status = async (key: string) => (await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status;
  const post = async (path: string, body: unknown = {}) => gateway.admin(path, { method: 'POST', body: JSON.stringify(body) });
  const patch = async (id: string, body: unknown) => gateway.admin(`/admin/keys/${id}`, { method: 'PATCH', body: JSON.stringify(body) });
  const createKey = async (team: string) => {
    const created = await gateway.createKey(team);
    seenSecrets.push(created.key, created.webhook_secret);
    return created;
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    gateway = await startTestGateway(testConfig());
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
  });

  it('rotates a key: both secrets work during the grace period (24 h by default), then only the new one', async () => {
    const { id, key: first } = await createKey('rot');
    expect(await status(first)).toBe(200);
    const res = await post(`/admin/keys/${id}/rotate`);
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as PublicKey & { key: string };
    seenSecrets.push(rotated.key);
    expect(rotated.key).toMatch(/^sy-/);
    expect(rotated.previous_key_expires_at).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 86_400 - 5);
    expect(await status(first)).toBe(200);
    expect(await status(rotated.key)).toBe(200);

    // A rotation with no grace ends the current secret at once, and drops the one still in grace.
    const third = (await (await post(`/admin/keys/${id}/rotate`, { grace_seconds: 0 })).json()) as { key: string; previous_key_expires_at?: number };
    seenSecrets.push(third.key);
    expect(third.previous_key_expires_at).toBeUndefined();
    expect(await status(first)).toBe(401);
    expect(await status(rotated.key)).toBe(401);
    expect(await status(third.key)).toBe(200);
  });

  it('rejects the old secret once a short grace period ends, even though it was just used (and cached)', async () => {
    const { id, key: old } = await createKey('grace');
    const rotated = (await (await post(`/admin/keys/${id}/rotate`, { grace_seconds: 1 })).json()) as { key: string };
    seenSecrets.push(rotated.key);
    const rotatedAt = Date.now();
    expect(await status(old)).toBe(200);
    // The API caches authentications for 10 s; a rotated-out secret's entry must not outlive its grace.
    await vi.waitFor(async () => expect(await status(old)).toBe(401), { timeout: 4000, interval: 100 });
    expect(Date.now() - rotatedAt).toBeGreaterThanOrEqual(900);
    expect(await status(rotated.key)).toBe(200);
  });

  it('refuses a grace period that is not a whole number of seconds from 0 to 90 days, and unknown keys', async () => {
    const { id } = await createKey('bad');
    expect((await post(`/admin/keys/${id}/rotate`, { grace_seconds: -1 })).status).toBe(400);
    expect((await post(`/admin/keys/${id}/rotate-webhook-secret`, { grace_seconds: 1.5 })).status).toBe(400);
    expect((await post('/admin/keys/key_nope/rotate')).status).toBe(404);
  });

  it('rotates the webhook secret: deliveries carry both signatures during the grace period, then only the new one', async () => {
    const { id, key, webhook_secret: oldSecret } = await createKey('hooks');
    const rotated = (await (await post(`/admin/keys/${id}/rotate-webhook-secret`, { grace_seconds: 3600 })).json()) as PublicKey & { webhook_secret: string };
    const newSecret = rotated.webhook_secret;
    seenSecrets.push(newSecret);
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.previous_webhook_secret_expires_at).toBeGreaterThan(Date.now() / 1000 + 3500);

    const submit = async () => {
      const delivered = receiver.next();
      const res = await fetch(`${gateway.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ request: { model: 'mock', messages: [{ role: 'user', content: 'sign twice' }] }, webhook: { url: receiver.url } }),
      });
      const job = (await res.json()) as PublicJob;
      const delivery = await delivered;
      expect(delivery.headers['webhook-id']).toBe(`msg_${job.id}`);
      return delivery;
    };
    const during = await submit();
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) expect(verifyWebhook({ secrets: [secret], headers: during.headers, body: during.body })).toBe(true);

    await post(`/admin/keys/${id}/rotate-webhook-secret`, { grace_seconds: 0 }).then(async (r) => seenSecrets.push(((await r.json()) as { webhook_secret: string }).webhook_secret));
    const latest = seenSecrets.at(-1)!;
    const after = await submit();
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifyWebhook({ secrets: [latest], headers: after.headers, body: after.body })).toBe(true);
    for (const secret of [oldSecret, newSecret]) expect(() => verifyWebhook({ secrets: [secret], headers: after.headers, body: after.body })).toThrow();
  });

  it('disables a key at once (401, though it was just used) and re-enables it', async () => {
    const { id, key } = await createKey('flag');
    expect(await status(key)).toBe(200);
    const off = await patch(id, { enabled: false });
    expect(((await off.json()) as PublicKey).enabled).toBe(false);
    expect(await status(key)).toBe(401);
    expect(((await (await patch(id, { enabled: true })).json()) as PublicKey).enabled).toBe(true);
    expect(await status(key)).toBe(200);
  });

  it('updates name, models and limits; null clears a limit; unknown fields and revoked keys are refused', async () => {
    const { id, key } = await createKey('edit');
    const edited = (await (await patch(id, { name: 'ci', models: ['mock'], rpm: 5, budget_usd: 3 })).json()) as PublicKey;
    expect(edited).toMatchObject({ name: 'ci', models: ['mock'], rpm: 5, budget_usd: 3, budget_period: 'monthly', enabled: true });
    const cleared = (await (await patch(id, { rpm: null, models: null })).json()) as PublicKey;
    expect(cleared.rpm).toBeUndefined();
    expect(cleared.models).toBeUndefined();
    expect(cleared.budget_usd).toBe(3);
    expect((await patch(id, { team: 'other' })).status).toBe(400);
    expect((await patch(id, { rpm: 0 })).status).toBe(400);
    expect(await status(key)).toBe(200);
    await gateway.admin(`/admin/keys/${id}`, { method: 'DELETE' });
    expect((await patch(id, { enabled: true })).status).toBe(404);
    expect(await status(key)).toBe(401);
  });

  it('never shows a secret, nor a hash of one, in GET /admin/keys', async () => {
    const res = await gateway.admin('/admin/keys');
    const text = await res.text();
    const listed = (JSON.parse(text) as { data: PublicKey[] }).data;
    expect(listed.length).toBeGreaterThanOrEqual(6);
    expect(seenSecrets.length).toBeGreaterThanOrEqual(12);
    for (const secret of seenSecrets) {
      expect(text).not.toContain(secret);
      if (secret.startsWith('sy-')) expect(text).not.toContain(hashVirtualKey(secret));
    }
    expect(text).not.toMatch(/whsec_|"key":|webhook_secret"|key_hash/);
  });
});
