import { z } from 'zod';
import type { Usage } from '../canonical/chat-response.js';
import { SHIPPED_PRICES } from './shipped-prices.js';

const usdPerMillion = z.number().min(0);

/**
 * One model's price, USD per 1M tokens. `cachedInput` prices prompt tokens served from the vendor's
 * prompt cache (absent: they cost `input`). `longContext` replaces the three rates for a whole
 * request whose prompt exceeds `aboveTokens` (Gemini 2.5 Pro, Claude Sonnet 4.x 1M-context).
 * `asOf` (YYYY-MM or YYYY-MM-DD) says when the price was checked; informational.
 */
export const modelPriceSchema = z
  .object({
    input: usdPerMillion,
    output: usdPerMillion,
    cachedInput: usdPerMillion.optional(),
    longContext: z
      .object({ aboveTokens: z.number().int().positive(), input: usdPerMillion, output: usdPerMillion, cachedInput: usdPerMillion.optional() })
      .strict()
      .optional(),
    asOf: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'use YYYY-MM or YYYY-MM-DD').optional(),
  })
  .strict();
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** The `pricing:` config section: per vendor model id, overriding or extending SHIPPED_PRICES. */
export const pricingConfigSchema = z.record(z.string().min(1), modelPriceSchema).default({});

/** A cost in integer micro-dollars (what is stored and summed) and in USD (for display). */
export interface Cost {
  micros: number;
  usd: number;
  /** False when the model has no price: the cost is then 0 and should be flagged, not trusted. */
  priced: boolean;
}

/**
 * Version suffixes a vendor appends to a priced model id: dates (`-20250514`, `-2024-08-06`,
 * Gemini's `-05-20` / `-09-2025`), build numbers (`-001`), `-latest`, `-preview`, `-exp`. Only these
 * are stripped when looking a price up, so an unknown model family is reported unpriced instead of
 * silently taking a sibling's price (`o3-mini` is not `o3`, `claude-opus-4-5` is not `claude-opus-4`).
 */
const VERSION_SUFFIX = /-(\d{8}|\d{4}-\d{2}-\d{2}|\d{2}-\d{2}|\d{2}-\d{4}|\d{3}|latest|preview|exp)$/;

/**
 * Prices by vendor model id: the shipped table with config overrides on top. Costs are computed in
 * integer micro-dollars (rates are held as integer micro-dollars per 1M tokens, so the only rounding
 * is one half-up rounding per call, ≤ 0.5 µ$); sums of costs never drift.
 */
export class PriceTable {
  private readonly prices: ReadonlyMap<string, ModelPrice>;

  constructor(overrides: Record<string, ModelPrice> = {}) {
    this.prices = new Map(Object.entries({ ...SHIPPED_PRICES, ...overrides }));
  }

  /** The price of a vendor model id (`models/` prefix and version suffixes ignored), or null. */
  price(model: string): ModelPrice | null {
    let name = model.startsWith('models/') ? model.slice('models/'.length) : model;
    for (;;) {
      const found = this.prices.get(name);
      if (found) return found;
      const shorter = name.replace(VERSION_SUFFIX, '');
      if (shorter === name) return null;
      name = shorter;
    }
  }

  /**
   * What a vendor call cost: fresh prompt tokens at `input`, cached ones
   * (`prompt_tokens_details.cached_tokens`) at `cachedInput`, completion tokens (reasoning included,
   * as vendors bill it) at `output`. No usage = 0. Unknown model = 0 with `priced: false`.
   */
  costMicros(model: string, usage: Usage | null | undefined): { micros: number; priced: boolean } {
    const price = this.price(model);
    if (!price || !usage) return { micros: 0, priced: price !== null };
    const rates = price.longContext && usage.prompt_tokens > price.longContext.aboveTokens ? price.longContext : price;
    const prompt = Math.max(0, usage.prompt_tokens);
    const cached = Math.min(prompt, Math.max(0, usage.prompt_tokens_details?.cached_tokens ?? 0));
    // Tokens × µ$ per 1M tokens stays an exact integer below 2^53 for calls of up to ~50M tokens.
    const scaled = (prompt - cached) * micros(rates.input) + cached * micros(rates.cachedInput ?? rates.input) + Math.max(0, usage.completion_tokens) * micros(rates.output);
    return { micros: Math.round(scaled / 1e6), priced: true };
  }

  /** `costMicros` with the USD amount alongside. */
  costUsd(model: string, usage: Usage | null | undefined): Cost {
    const { micros, priced } = this.costMicros(model, usage);
    return { micros, usd: microsToUsd(micros), priced };
  }
}

/** USD (per 1M tokens, or an amount) → integer micro-dollars. */
export function micros(usd: number): number {
  return Math.round(usd * 1e6);
}

/** Integer micro-dollars → USD, exact to the micro-dollar in its decimal rendering. */
export function microsToUsd(amount: number): number {
  return amount / 1e6;
}
