import type { ProviderName } from './provider-names.js';
import type { ProviderTranslator } from './translator.js';
import { anthropicTranslator } from './anthropic/anthropic-translator.js';
import { geminiTranslator } from './gemini/gemini-translator.js';
import { openAITranslator } from './openai/openai-translator.js';

/** A translator with its vendor types erased, for code that only routes by provider name. */
export type AnyTranslator = ProviderTranslator<unknown, unknown, unknown>;

/**
 * The pure translator of each provider. The API uses it to reject, before enqueueing, what a
 * route's first target cannot take; workers use it to translate. `mock` speaks the canonical format.
 */
export const TRANSLATORS: Readonly<Record<ProviderName, AnyTranslator>> = {
  openai: openAITranslator as AnyTranslator,
  'openai-compatible': openAITranslator as AnyTranslator,
  mock: openAITranslator as AnyTranslator,
  anthropic: anthropicTranslator as AnyTranslator,
  gemini: geminiTranslator as AnyTranslator,
};
