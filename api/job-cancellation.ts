import type { Redis } from 'ioredis';
import type { JobStore } from '../shared/jobs/job-store.js';
import type { LlmQueues } from '../shared/queues/llm-queues.js';
import type { WebhookQueue } from '../shared/queues/webhook-queue.js';
import type { RedisKeys } from '../shared/redis/redis-keys.js';
import type { AdmissionSettler } from '../shared/usage/admission-settler.js';
import { raiseBudgetAlerts } from '../shared/usage/budget-alerts.js';
import type { GatewayMetrics } from '../shared/metrics/gateway-metrics.js';

/**
 * Cancels a job: marks the record (atomically, only if it has not ended), takes a queued attempt
 * off its queue, tells the worker holding a running one to abort the vendor call, and sends the
 * `job.cancelled` webhook; settling its reservations may raise budget alerts.
 */
export class JobCancellation {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly store: JobStore,
    private readonly queues: LlmQueues,
    private readonly webhooks: WebhookQueue,
    private readonly settler: AdmissionSettler,
    private readonly metrics: Pick<GatewayMetrics, 'budgetAlerts'>,
  ) {}

  async cancel(id: string, reason: string): Promise<'missing' | 'terminal' | 'cancelled'> {
    const { outcome, previous } = await this.store.cancel(id, { code: 'cancelled', message: reason });
    if (outcome !== 'cancelled') return outcome;
    const record = await this.store.get(id);
    if (!record) return outcome;
    const target = record.route[record.step]!;
    const removed = previous === 'queued' && (await this.queues.remove(target.deployment, record));
    if (!removed) await this.redis.publish(this.keys.cancelEvents(), id);
    // The cancel wrote the job's end, so settling its reservations falls to us: a running call that
    // is aborted now is charged by the ledger, not against the budget hold.
    await raiseBudgetAlerts(await this.settler.settle(record), this.webhooks, this.metrics);
    if (record.webhook) await this.webhooks.enqueue({ v: 1, jobId: id, type: 'job.cancelled', keyId: record.keyId });
    return outcome;
  }
}
