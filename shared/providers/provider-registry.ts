import { anthropicProvider } from './anthropic/anthropic-provider.js';
import { geminiProvider } from './gemini/gemini-provider.js';
import { mockProvider } from './mock/mock-provider.js';
import { openAICompatibleProvider } from './openai-compatible/openai-compatible-provider.js';
import { openAIProvider } from './openai/openai-provider.js';

/**
 * Every provider, one line each. Adding a provider is a folder exporting a `ProviderDescriptor`,
 * one line here and one in workers/providers/runtime-registry.ts; names (and the config enum),
 * translators and the apiKey rule are derived from this list.
 */
export const PROVIDER_DESCRIPTORS = [
  openAIProvider,
  openAICompatibleProvider,
  anthropicProvider,
  geminiProvider,
  mockProvider,
] as const;
