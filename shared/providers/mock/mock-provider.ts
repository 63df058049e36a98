import type { AnyTranslator, ProviderDescriptor } from '../provider-descriptor.js';
import { openAITranslator } from '../openai/openai-translator.js';

/** The built-in mock: speaks the canonical (OpenAI) format, needs no key and no network. */
export const mockProvider: ProviderDescriptor<'mock'> = {
  name: 'mock',
  translator: openAITranslator as AnyTranslator,
  needsApiKey: false,
};
