import type { ChatCompletion, Usage } from '../canonical/chat-response.js';
import type { AttemptRecord, JobRecord } from '../jobs/job-record.js';
import type { PriceTable } from './price-table.js';
import type { UsageLedger } from './usage-ledger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

/**
 * Turns what happened into ledger events: every attempt that reached a vendor (charged at the
 * served model's price, failed attempts included: they may have consumed tokens), and cache hits
 * (zero vendor cost, with what they saved).
 */
export class UsageAccountant {
  constructor(
    private readonly ledger: UsageLedger,
    private readonly prices: PriceTable,
    private readonly metrics?: GatewayMetrics,
  ) {}

  /**
   * Records every vendor-reaching attempt of a job. Event ids are `<job id>:a<attempt index>`:
   * attempts are append-only, so calling this again (a replayed attempt) charges nothing twice.
   */
  async recordAttempts(record: JobRecord, attempts: AttemptRecord[] = record.attempts): Promise<void> {
    await Promise.all(
      attempts.map((attempt, index) => {
        const reachedVendor = attempt.status === 'succeeded' || attempt.usage != null || attempt.error?.vendorStatus !== undefined;
        if (!reachedVendor) return null;
        const usage = attempt.usage ?? null;
        const costMicros = this.prices.costMicros(attempt.model, usage).micros;
        const counted = this.ledger.record({
          eventId: `${record.id}:a${index}`,
          team: record.team,
          keyId: record.keyId,
          model: record.model,
          deployment: attempt.deployment,
          vendorModel: attempt.model,
          ...tokens(usage),
          costMicros,
          cacheHit: false,
          savedMicros: 0,
          at: Date.now(),
        });
        // Metrics follow the ledger: only an event recorded for the first time is counted.
        return counted.then((isNew) => {
          if (isNew) this.countTokens(record, attempt.deployment, usage, costMicros);
        });
      }),
    );
  }

  private countTokens(record: JobRecord, deployment: string, usage: Usage | null, costMicros: number): void {
    if (!this.metrics) return;
    const labels = { model: record.model, deployment, team: record.team };
    const t = tokens(usage);
    this.metrics.tokens.inc({ ...labels, kind: 'prompt' }, t.promptTokens);
    this.metrics.tokens.inc({ ...labels, kind: 'completion' }, t.completionTokens);
    this.metrics.tokens.inc({ ...labels, kind: 'cached' }, t.cachedTokens);
    this.metrics.tokens.inc({ ...labels, kind: 'reasoning' }, t.reasoningTokens);
    this.metrics.costUsd.inc(labels, costMicros / 1e6);
  }

  /** Records a cache hit: no vendor cost; saved = the tokens and cost the cached answer's vendor call used. */
  async recordCacheHit(hit: { eventId: string; team: string; keyId: string; model: string; response: Record<string, unknown> }): Promise<void> {
    const completion = hit.response as unknown as ChatCompletion;
    const usage = completion.usage ?? null;
    const savedMicros = this.prices.costMicros(completion.model ?? '', usage).micros;
    this.metrics?.cacheSavedUsd.inc({ team: hit.team }, savedMicros / 1e6);
    await this.ledger.record({
      eventId: hit.eventId,
      team: hit.team,
      keyId: hit.keyId,
      model: hit.model,
      deployment: 'cache',
      vendorModel: completion.model ?? '',
      ...tokens(null),
      costMicros: 0,
      cacheHit: true,
      savedMicros,
      savedTokens: (usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0),
      at: Date.now(),
    });
  }
}

function tokens(usage: Usage | null): { promptTokens: number; completionTokens: number; cachedTokens: number; reasoningTokens: number } {
  return {
    promptTokens: usage?.prompt_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}
