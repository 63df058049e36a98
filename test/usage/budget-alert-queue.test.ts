import { afterAll, describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';
import { budgetAlertDataSchema, WebhookQueue } from '../../shared/queues/webhook-queue.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { budgetAlertMessageId, raiseBudgetAlerts } from '../../shared/usage/budget-alerts.js';
import { Budgets } from '../../shared/usage/budgets.js';
import { deletePrefix, testPrefix, testRedis } from '../helpers/test-redis.js';

const redis = testRedis();
const prefix = testPrefix('alertq');
const queue = new WebhookQueue(redis, new RedisKeys(prefix), { attempts: 3, backoffMs: 10 });
const budgets = new Budgets(redis, prefix);
const metrics = new GatewayMetrics();

afterAll(async () => {
  await queue.close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

const alertCount = async (threshold: string, scope: string) =>
  (await metrics.budgetAlerts.get()).values.find((v) => v.labels.threshold === threshold && v.labels.scope === scope)?.value ?? 0;

describe('budget alerts on the webhook queue', () => {
  it('enqueues one delivery per budget, period and threshold crossed, under its stable message id, and counts it', async () => {
    const scopes = [
      { team: 'fin', scope: 'key:key_1', limitUsd: 1, period: 'daily' as const },
      { team: 'fin', scope: 'team', limitUsd: 10, period: 'monthly' as const },
    ];
    const spend = async (micros: number) => {
      const admission = await budgets.reserve(scopes, 1);
      if (!admission.ok) throw new Error('the scenario expects admission');
      return { hold: admission.hold, settlement: await budgets.settle(admission.hold, micros) };
    };
    // 0.85 USD: the key's budget (1 USD) crosses 80 %; the team's (10 USD) does not.
    const first = await spend(850_000);
    const raised = await raiseBudgetAlerts(first.settlement, queue, metrics);
    expect(raised.map((e) => [e.data.scope, e.data.threshold])).toEqual([['key', 80]]);
    // A replayed settle of the same hold charges nothing, and raises its crossing again: the same
    // delivery (one BullMQ job under the message id), counted once.
    const replayed = await raiseBudgetAlerts(await budgets.settle(first.hold, 850_000), queue, metrics);
    expect(replayed.map(budgetAlertMessageId)).toEqual(raised.map(budgetAlertMessageId));
    // 0.20 USD more: the key crosses 100 %.
    const second = await raiseBudgetAlerts((await spend(200_000)).settlement, queue, metrics);
    expect(second.map((e) => [e.data.scope, e.data.threshold, e.data.key_id])).toEqual([['key', 100, 'key_1']]);
    // Enqueued twice (two replicas racing on the same event): still one delivery.
    await queue.enqueueBudgetAlert(second[0]!);

    const jobs = await queue.queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    expect(jobs.map((j) => j.id).sort()).toEqual([budgetAlertMessageId(raised[0]!), budgetAlertMessageId(second[0]!)].sort());
    const data = budgetAlertDataSchema.parse(jobs.find((j) => j.id === budgetAlertMessageId(second[0]!))!.data);
    expect(data.event).toEqual(second[0]);
    expect(data.msgId).toMatch(/^msg_budget_fin_key-key_1_\d{4}-\d{2}-\d{2}_100$/);
    expect(jobs[0]!.opts.attempts).toBe(3);
    expect(await alertCount('80', 'key')).toBe(1);
    expect(await alertCount('100', 'key')).toBe(1);
    expect(await alertCount('80', 'team')).toBe(0);
  });
});
