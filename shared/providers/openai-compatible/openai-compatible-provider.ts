import type { AnyTranslator, ProviderDescriptor } from '../provider-descriptor.js';
import { openAITranslator } from '../openai/openai-translator.js';

/**
 * Any OpenAI-style endpoint (vLLM, Ollama, Azure-style gateways) at the deployment's `baseURL`,
 * translated as OpenAI. Local servers often take no key, so none is required.
 */
export const openAICompatibleProvider: ProviderDescriptor<'openai-compatible'> = {
  name: 'openai-compatible',
  translator: openAITranslator as AnyTranslator,
  needsApiKey: false,
};
