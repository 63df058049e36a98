import { describe, expect, it } from 'vitest';
import type { Usage } from '../canonical/chat-response.js';
import { PriceTable, modelPriceSchema, pricingConfigSchema } from './price-table.js';
import { SHIPPED_PRICES } from './shipped-prices.js';

const usage = (prompt: number, completion: number, cached = 0): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: cached },
});

describe('PriceTable', () => {
  const table = new PriceTable();

  it.each([
    ['gpt-4o', 'exact id', 2.5 * 1000 + 10 * 500],
    ['gpt-4o-2024-08-06', 'dated id takes its base price', 2.5 * 1000 + 10 * 500],
    ['gpt-4o-2024-05-13', 'a snapshot priced on its own keeps its price', 5 * 1000 + 15 * 500],
    ['gpt-4o-mini-2024-07-18', 'dated mini is the mini, not gpt-4o', 0.15 * 1000 + 0.6 * 500],
    ['o3-mini-2025-01-31', 'o3-mini is not o3', 1.1 * 1000 + 4.4 * 500],
    ['claude-sonnet-4-20250514', 'Anthropic date suffix', 3 * 1000 + 15 * 500],
    ['claude-opus-4-5-20251101', 'Opus 4.5 is not Opus 4', 5 * 1000 + 25 * 500],
    ['claude-3-5-haiku-latest', '-latest alias', 0.8 * 1000 + 4 * 500],
    ['models/gemini-2.5-flash', 'Gemini resource name', 0.3 * 1000 + 2.5 * 500],
    ['gemini-2.5-flash-lite-preview-06-17', 'Gemini preview date', 0.1 * 1000 + 0.4 * 500],
    ['gemini-2.0-flash-001', 'Gemini build number', 0.1 * 1000 + 0.4 * 500],
    ['gpt-5-chat-latest', 'chat alias', 1.25 * 1000 + 10 * 500],
  ])('%s (%s) costs what its vendor bills', (model, _why, expectedMicros) => {
    expect(table.costMicros(model, usage(1000, 500))).toEqual({ micros: Math.round(expectedMicros), priced: true });
  });

  it.each([['claude-opus-5'], ['gpt-7'], ['o3-mini-high-variant'], ['']])('reports %s as unpriced, at zero cost, rather than guessing', (model) => {
    expect(table.costUsd(model, usage(1000, 500))).toEqual({ micros: 0, usd: 0, priced: false });
  });

  it('prices cached prompt tokens at the cached rate', () => {
    // 600 fresh at 3 $/M + 400 cached at 0.30 $/M + 100 out at 15 $/M = 1800 + 120 + 1500 µ$.
    expect(table.costUsd('claude-sonnet-4-5', usage(1000, 100, 400))).toEqual({ micros: 3420, usd: 0.00342, priced: true });
    // A model without a cached rate bills cached tokens as input.
    expect(table.costMicros('o3-pro', usage(1000, 0, 400)).micros).toBe(20 * 1000);
  });

  it('bills a whole request above the long-context threshold at the long-context rates', () => {
    expect(table.costMicros('gemini-2.5-pro', usage(200_000, 1000)).micros).toBe(1.25 * 200_000 + 10 * 1000);
    expect(table.costMicros('gemini-2.5-pro', usage(200_001, 1000)).micros).toBe(Math.round(2.5 * 200_001 + 15 * 1000));
    expect(table.costMicros('claude-sonnet-4-5', usage(300_000, 1000, 100_000)).micros).toBe(6 * 200_000 + 0.6 * 100_000 + 22.5 * 1000);
  });

  it('sums in integer micro-dollars, so many small calls add up exactly', () => {
    // 0.075 $/M is not exact in binary floating point; 1 cached token at it is 0.075 µ$ → rounds to 0,
    // while 40 cached tokens are exactly 3 µ$. Each call rounds once, half-up, and sums stay integers.
    const one = table.costMicros('gpt-4o-mini', usage(40, 0, 40)).micros;
    expect(one).toBe(3);
    let total = 0;
    for (let i = 0; i < 100_000; i++) total += table.costMicros('gpt-4.1-nano', usage(1000, 333)).micros;
    expect(total).toBe(100_000 * Math.round(0.1 * 1000 + 0.4 * 333));
    expect(Number.isInteger(total)).toBe(true);
  });

  it('lets config override a shipped price and add new models, dated ids included', () => {
    const custom = new PriceTable(pricingConfigSchema.parse({ 'gpt-4o': { input: 1, output: 1 }, 'my-finetune': { input: 3, output: 12, cachedInput: 1.5 } }));
    expect(custom.costMicros('gpt-4o-2024-08-06', usage(1000, 1000)).micros).toBe(2000);
    expect(custom.costMicros('my-finetune', usage(1000, 100, 1000)).micros).toBe(1500 + 1200);
    expect(custom.costMicros('gpt-4o-mini', usage(1000, 0)).micros).toBe(150);
  });

  it('costs nothing, yet counts as priced, when a known model reported no usage', () => {
    expect(table.costMicros('gpt-4o', null)).toEqual({ micros: 0, priced: true });
  });

  it('rejects a malformed price in config with the field named', () => {
    const parsed = pricingConfigSchema.safeParse({ m: { input: -1, output: 1 } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['m', 'input']);
    expect(pricingConfigSchema.safeParse({ m: { input: 1, output: 1, inptu: 2 } }).success).toBe(false);
  });

  it('ships a valid, dated price for the current OpenAI, Anthropic and Gemini models', () => {
    for (const [model, price] of Object.entries(SHIPPED_PRICES)) {
      expect(modelPriceSchema.safeParse(price).success, model).toBe(true);
      expect(price.asOf, model).toMatch(/^20\d\d-\d\d/);
    }
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o3', 'o4-mini', 'gpt-5', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1', 'gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.0-flash']) {
      expect(table.price(model), model).not.toBeNull();
    }
  });
});
