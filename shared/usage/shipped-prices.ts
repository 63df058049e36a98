import type { ModelPrice } from './price-table.js';

/**
 * List prices shipped with Switchyard: USD per 1M tokens, standard (non-batch, non-priority) tier,
 * by the vendor's model id. `asOf` is the month the price was last checked against a source.
 *
 * Sources: the vendors' own pricing pages — openai.com/api/pricing, docs.claude.com "Pricing",
 * ai.google.dev/gemini-api/docs/pricing — as recalled by the engineer who wrote this table, cross-
 * checked in 2026-11 against dated public copies of those pages (entries marked `asOf` 2026-xx were
 * only seen in such copies). Vendors change prices without notice: a deployment that must bill to
 * the cent pins its models' prices under `pricing:` in the config, which wins over this table.
 *
 * Not modelled (the canonical usage does not report them): Anthropic cache *writes* (billed at 1.25×
 * input; counted here at the input rate), audio tokens, tool fees (web search), storage of explicit
 * Gemini caches. `cachedInput` is the cache-read price; absent = the vendor has no cached rate.
 */
export const SHIPPED_PRICES: Readonly<Record<string, ModelPrice>> = {
  // OpenAI. GPT-5.4's rates hold for prompts under 270K tokens (OpenAI's own caveat).
  'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25, asOf: '2025-11' },
  'gpt-4o-2024-05-13': { input: 5, output: 15, asOf: '2025-11' },
  'chatgpt-4o-latest': { input: 5, output: 15, asOf: '2025-11' },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075, asOf: '2025-11' },
  'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5, asOf: '2025-11' },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1, asOf: '2025-11' },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025, asOf: '2025-11' },
  o1: { input: 15, output: 60, cachedInput: 7.5, asOf: '2025-11' },
  'o1-mini': { input: 1.1, output: 4.4, cachedInput: 0.55, asOf: '2025-11' },
  o3: { input: 2, output: 8, cachedInput: 0.5, asOf: '2025-11' },
  'o3-mini': { input: 1.1, output: 4.4, cachedInput: 0.55, asOf: '2025-11' },
  'o3-pro': { input: 20, output: 80, asOf: '2025-11' },
  'o4-mini': { input: 1.1, output: 4.4, cachedInput: 0.275, asOf: '2025-11' },
  'gpt-5': { input: 1.25, output: 10, cachedInput: 0.125, asOf: '2025-11' },
  'gpt-5-chat': { input: 1.25, output: 10, cachedInput: 0.125, asOf: '2025-11' },
  'gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025, asOf: '2025-11' },
  'gpt-5-nano': { input: 0.05, output: 0.4, cachedInput: 0.005, asOf: '2025-11' },
  'gpt-5-pro': { input: 15, output: 120, asOf: '2025-11' },
  'gpt-5.1': { input: 1.25, output: 10, cachedInput: 0.125, asOf: '2025-11' },
  'gpt-5.2': { input: 1.75, output: 14, cachedInput: 0.175, asOf: '2026-03' },
  'gpt-5.2-pro': { input: 21, output: 168, asOf: '2026-03' },
  'gpt-5.4': { input: 2.5, output: 15, cachedInput: 0.25, asOf: '2026-03' },
  'gpt-5.4-mini': { input: 0.75, output: 4.5, cachedInput: 0.075, asOf: '2026-03' },
  'gpt-5.4-nano': { input: 0.2, output: 1.25, cachedInput: 0.02, asOf: '2026-03' },

  // Anthropic. cachedInput = cache hits (0.1× input). Sonnet 4 / 4.5 bill a whole request above
  // 200K input tokens at the long-context rates (1M-context beta).
  'claude-opus-4': { input: 15, output: 75, cachedInput: 1.5, asOf: '2025-11' },
  'claude-opus-4-1': { input: 15, output: 75, cachedInput: 1.5, asOf: '2025-11' },
  'claude-opus-4-5': { input: 5, output: 25, cachedInput: 0.5, asOf: '2025-11' },
  'claude-opus-4-6': { input: 5, output: 25, cachedInput: 0.5, asOf: '2026-03' },
  'claude-sonnet-4': { input: 3, output: 15, cachedInput: 0.3, longContext: { aboveTokens: 200_000, input: 6, output: 22.5, cachedInput: 0.6 }, asOf: '2025-11' },
  'claude-sonnet-4-5': { input: 3, output: 15, cachedInput: 0.3, longContext: { aboveTokens: 200_000, input: 6, output: 22.5, cachedInput: 0.6 }, asOf: '2025-11' },
  'claude-sonnet-4-6': { input: 3, output: 15, cachedInput: 0.3, asOf: '2026-03' },
  'claude-3-7-sonnet': { input: 3, output: 15, cachedInput: 0.3, asOf: '2025-11' },
  'claude-haiku-4-5': { input: 1, output: 5, cachedInput: 0.1, asOf: '2025-11' },
  'claude-3-5-haiku': { input: 0.8, output: 4, cachedInput: 0.08, asOf: '2025-11' },
  'claude-3-haiku': { input: 0.25, output: 1.25, cachedInput: 0.03, asOf: '2025-11' },

  // Google Gemini (text/image/video input; audio input costs more). Output includes thinking tokens.
  'gemini-3-pro-preview': { input: 2, output: 12, cachedInput: 0.2, longContext: { aboveTokens: 200_000, input: 4, output: 18, cachedInput: 0.4 }, asOf: '2025-11' },
  'gemini-3-flash-preview': { input: 0.5, output: 3, cachedInput: 0.05, asOf: '2026-03' },
  'gemini-2.5-pro': { input: 1.25, output: 10, cachedInput: 0.125, longContext: { aboveTokens: 200_000, input: 2.5, output: 15, cachedInput: 0.25 }, asOf: '2025-11' },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cachedInput: 0.03, asOf: '2025-11' },
  'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cachedInput: 0.01, asOf: '2025-11' },
  'gemini-2.0-flash': { input: 0.1, output: 0.4, cachedInput: 0.025, asOf: '2025-11' },
  'gemini-2.0-flash-lite': { input: 0.075, output: 0.3, asOf: '2025-11' },
};
