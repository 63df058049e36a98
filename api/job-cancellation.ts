import type { Redis } from 'ioredis';
import type { JobStore } from '../shared/jobs/job-store.js';
import type { LlmQueues } from '../shared/queues/llm-queues.js';
import type { WebhookQueue } from '../shared/queues/webhook-queue.js';
import type { RedisKeys } from '../shared/redis/redis-keys.js';
import type { AdmissionSettler } from '../shared/usage/admission-settler.js';
import { raiseBudgetAlerts } from '../shared/usage/budget-alerts.js';
import type { GatewayMetrics } from '../shared/metrics/gateway-metrics.js';

/**
 * Cancels a job: marks the record (atomically, only if it has not ended), tells the worker holding a
 * running attempt to abort the vendor call, settles its reservations (which may raise budget alerts),
 * sends the `job.cancelled` webhook, and only then takes a queued attempt off its queue. That order
 * keeps a cancel whose follow-ups fail half-way (Redis lost for a moment) from losing them: the
 * attempt is still queued, and the worker that takes it finds the job ended and does what was left
 * (START answers `terminal`; see process-attempt.ts). Every step is idempotent.
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
    // A running call is aborted first: every moment it runs on costs tokens.
    if (previous !== 'queued') await this.redis.publish(this.keys.cancelEvents(), id);
    // The cancel wrote the job's end, so settling its reservations falls to us: a running call that
    // is aborted now is charged by the ledger, not against the budget hold.
    await raiseBudgetAlerts(await this.settler.settle(record), this.webhooks, this.metrics);
    if (record.webhook) await this.webhooks.enqueue({ v: 1, jobId: id, type: 'job.cancelled', keyId: record.keyId });
    if (previous === 'queued') {
      const removed = await this.queues.remove(record.route[record.step]!.deployment, record);
      // Not waiting any more: a worker took the attempt meanwhile (START will refuse it); make sure.
      if (!removed) await this.redis.publish(this.keys.cancelEvents(), id);
    }
    return outcome;
  }
}
