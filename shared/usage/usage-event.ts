/** One accounted vendor call or cache hit; the unit the ledger records (exactly once per `eventId`). */
export interface UsageEvent {
  /** Unique per accounted thing: `<jobId>:<seq>` for a vendor attempt, `cache:<id>` for a hit. */
  eventId: string;
  team: string;
  keyId: string;
  /** The model alias the client asked for. */
  model: string;
  /** The deployment that served ('cache' for a hit). */
  deployment: string;
  /** The vendor model that served (prices are looked up by it). */
  vendorModel: string;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costMicros: number;
  cacheHit: boolean;
  savedMicros: number;
  /** For a cache hit: the tokens (prompt + completion) the cached answer's vendor call used, not spent again. */
  savedTokens?: number;
  /** Epoch ms. */
  at: number;
}

export const USAGE_METRICS = ['requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'reasoning_tokens', 'cost_micros', 'cache_hits', 'saved_micros', 'saved_tokens'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

/** The day (UTC) of an epoch-ms time, `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
