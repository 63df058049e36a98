import type { JobRecord } from '../jobs/job-record.js';
import type { TokenBuckets } from '../rate-limit/token-buckets.js';
import type { BudgetSettlement, Budgets } from './budgets.js';
import type { PriceTable } from './price-table.js';

/**
 * Settles what admission reserved for a job once it has ended: the key/team token buckets with the
 * tokens its attempts really used, and the key/team budgets with what they really cost (every
 * attempt, failed ones included, at its served model's price — the same cost the ledger records).
 * Both settles are idempotent per reservation, so calling this again for the same job (a worker
 * replaying a job that had already ended, or a cancel racing the end) charges nothing twice.
 */
export class AdmissionSettler {
  constructor(
    private readonly buckets: TokenBuckets,
    private readonly budgets: Budgets,
    private readonly prices: PriceTable,
  ) {}

  /**
   * Resolves with the budget settlement (null when the job held no budget): its `budgets[].crossed`
   * says which 80 % / 100 % thresholds were crossed by this job — see budget-alerts.ts.
   */
  async settle(record: JobRecord): Promise<BudgetSettlement | null> {
    const { rate, budget } = record.admission;
    const tokens = record.attempts.reduce((n, a) => n + (a.usage?.total_tokens ?? 0), 0);
    const cost = record.attempts.reduce((n, a) => n + this.prices.costMicros(a.model, a.usage).micros, 0);
    const [, settlement] = await Promise.all([rate ? this.buckets.settle(rate, tokens) : null, budget ? this.budgets.settle(budget, cost) : null]);
    return settlement;
  }
}
