import type { AnyTranslator, ProviderDescriptor } from '../provider-descriptor.js';
import { openAITranslator } from './openai-translator.js';

/** OpenAI's own API: canonical requests pass through the param map almost as they are. */
export const openAIProvider: ProviderDescriptor<'openai'> = {
  name: 'openai',
  translator: openAITranslator as AnyTranslator,
  needsApiKey: true,
};
