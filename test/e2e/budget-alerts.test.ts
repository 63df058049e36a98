import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WEBHOOK_QUEUE } from '../../shared/queues/queue-names.js';
import { estimateRequestTokens } from '../../shared/rate-limit/index.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import type { BudgetThresholdEvent } from '../../shared/usage/budget-alerts.js';
import { verifyWebhook } from '../../shared/webhooks/sign-webhook.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

// A priced mock model: 1,000 USD per 1M tokens = 1,000 µ$ (0.001 USD) a token.
const config = testConfig({ pricing: { 'mock-1': { input: 1000, output: 1000 } } });

// The mock counts words: a 20-word prompt costs 20 + (6 + 20) = 46 tokens, more than admission's
// estimate (prompt estimate + max_tokens 1), so spend can reach 100 % of a budget.
const words = Array.from({ length: 20 }, () => 'budget').join(' ');
const request = { model: 'mock', messages: [{ role: 'user' as const, content: words }], max_tokens: 1 };
const ACTUAL_TOKENS = 46;
const ESTIMATE_TOKENS = estimateRequestTokens(request, 4096);
// Four requests spend 4A of 4A + E (≥ 80 %, three stay under); the fifth still fits its estimate and crosses 100 %.
const BUDGET_TOKENS = 4 * ACTUAL_TOKENS + ESTIMATE_TOKENS;

describe('budget alert webhooks', () => {
  let gateway: TestGateway;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let webhookQueue: Queue;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    gateway = await startTestGateway(config);
    webhookQueue = new Queue(WEBHOOK_QUEUE, { connection: gateway.redis, prefix: new RedisKeys(config.redis.keyPrefix).bullPrefix(WEBHOOK_QUEUE) });
  });
  afterAll(async () => {
    await webhookQueue?.close();
    await gateway?.close();
    await receiver?.close();
  });

  it('sends one signed alert at 80 % and one at 100 % of a team budget, to the team\'s alert URL', async () => {
    expect(ESTIMATE_TOKENS).toBeLessThan(ACTUAL_TOKENS);
    const put = await gateway.admin('/admin/teams/finops', {
      method: 'PUT',
      body: JSON.stringify({ budget_usd: BUDGET_TOKENS / 1000, budget_period: 'daily', alert_webhook_url: receiver.url }),
    });
    expect(put.status).toBe(200);
    const team = (await put.json()) as { alert_webhook_url: string; alert_webhook_secret?: string };
    expect(team.alert_webhook_url).toBe(receiver.url);
    const secret = team.alert_webhook_secret!;
    expect(secret).toMatch(/^whsec_/);
    // Shown once: a second PUT keeps the secret and does not show it again.
    const again = await gateway.admin('/admin/teams/finops', { method: 'PUT', body: JSON.stringify({ budget_usd: BUDGET_TOKENS / 1000, budget_period: 'daily', alert_webhook_url: receiver.url }) });
    expect(((await again.json()) as Record<string, unknown>).alert_webhook_secret).toBeUndefined();
    expect(JSON.stringify(await (await gateway.admin('/admin/teams/finops')).json())).not.toContain(secret);

    const client = gateway.client((await gateway.createKey('finops')).key);
    const first = receiver.next();
    for (let i = 0; i < 4; i++) await client.chat.completions.create(request);
    const at80 = await first;
    const second = receiver.next();
    await client.chat.completions.create(request);
    const at100 = await second;
    // Spend reached the budget: the next request is refused, and raises nothing.
    await expect(client.chat.completions.create(request)).rejects.toMatchObject({ status: 429, code: 'budget_exceeded' });

    const alerts = [at80, at100].map((d) => {
      expect(verifyWebhook({ secrets: [secret], headers: d.headers, body: d.body })).toBe(true);
      expect(() => verifyWebhook({ secrets: ['whsec_' + Buffer.from('not the team secret at all').toString('base64')], headers: d.headers, body: d.body })).toThrow();
      return { id: String(d.headers['webhook-id']), event: JSON.parse(d.body) as BudgetThresholdEvent };
    });
    const periodId = new Date().toISOString().slice(0, 10);
    expect(alerts.map((a) => a.id)).toEqual([`msg_budget_finops_team_${periodId}_80`, `msg_budget_finops_team_${periodId}_100`]);
    expect(alerts.map((a) => a.event.data.threshold)).toEqual([80, 100]);
    for (const { event } of alerts) {
      expect(event).toMatchObject({ type: 'budget.threshold', data: { team: 'finops', scope: 'team', period: 'daily', period_id: periodId } });
      expect(event.data.budget_usd).toBeCloseTo(BUDGET_TOKENS / 1000, 6);
    }
    expect(alerts[0]!.event.data.spent_usd).toBeGreaterThanOrEqual(0.8 * alerts[0]!.event.data.budget_usd);
    expect(alerts[0]!.event.data.spent_usd).toBeLessThan(alerts[0]!.event.data.budget_usd);
    expect(alerts[1]!.event.data.spent_usd).toBeGreaterThanOrEqual(alerts[1]!.event.data.budget_usd);

    // Exactly one delivery per threshold: the queue holds just these two, both done.
    await vi.waitFor(async () => expect(await webhookQueue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed')).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 2, failed: 0 }), { timeout: 5000, interval: 50 });
    expect(receiver.deliveries).toHaveLength(2);
    const metrics = await (await gateway.admin('/metrics')).text();
    expect(metrics).toMatch(/switchyard_budget_alerts_total\{threshold="80",scope="team"\} 1\n/);
    expect(metrics).toMatch(/switchyard_budget_alerts_total\{threshold="100",scope="team"\} 1\n/);
  }, 20_000);

  it('sends key budget alerts to the team URL too, co-signed by a rotated-out team secret in grace', async () => {
    const put = await gateway.admin('/admin/teams/keyteam', { method: 'PUT', body: JSON.stringify({ alert_webhook_url: receiver.url }) });
    const oldSecret = ((await put.json()) as { alert_webhook_secret: string }).alert_webhook_secret;
    const rotation = await gateway.admin('/admin/teams/keyteam/rotate-alert-secret', { method: 'POST', body: JSON.stringify({ grace_seconds: 3600 }) });
    expect(rotation.status).toBe(200);
    const newSecret = ((await rotation.json()) as { alert_webhook_secret: string }).alert_webhook_secret;
    expect(newSecret).not.toBe(oldSecret);

    // One request (46 tokens) spends 92 % of a 50-token key budget: the key's 80 % alert.
    const res = await gateway.admin('/admin/keys', { method: 'POST', body: JSON.stringify({ team: 'keyteam', budget_usd: 0.05, budget_period: 'total' }) });
    const key = (await res.json()) as { id: string; key: string };
    const delivered = receiver.next();
    await gateway.client(key.key).chat.completions.create(request);
    const alert = await delivered;
    expect(alert.headers['webhook-id']).toBe(`msg_budget_keyteam_key-${key.id}_total_80`);
    expect(JSON.parse(alert.body)).toMatchObject({ type: 'budget.threshold', data: { team: 'keyteam', scope: 'key', key_id: key.id, threshold: 80, period: 'total', period_id: 'total' } });
    expect(String(alert.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) expect(verifyWebhook({ secrets: [secret], headers: alert.headers, body: alert.body })).toBe(true);
  });

  it('refuses an alert URL the SSRF rules refuse, like a job webhook URL', async () => {
    const strict = await startTestGateway(testConfig({ webhooks: { allowPrivate: false } }), { roles: { api: true, worker: false } });
    try {
      const res = await strict.admin('/admin/teams/ssrf', { method: 'PUT', body: JSON.stringify({ alert_webhook_url: 'http://127.0.0.1:9/hook' }) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe('alert_webhook_url');
    } finally {
      await strict.close();
    }
  });
});
