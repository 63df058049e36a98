import type { AnyTranslator, ProviderDescriptor } from '../provider-descriptor.js';
import { anthropicTranslator } from './anthropic-translator.js';

/** Anthropic's Messages API through @anthropic-ai/sdk. */
export const anthropicProvider: ProviderDescriptor<'anthropic'> = {
  name: 'anthropic',
  translator: anthropicTranslator as AnyTranslator,
  needsApiKey: true,
};
