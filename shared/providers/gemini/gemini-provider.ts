import type { AnyTranslator, ProviderDescriptor } from '../provider-descriptor.js';
import { geminiTranslator } from './gemini-translator.js';

/** The Gemini API (generateContent / streamGenerateContent) through @google/genai. */
export const geminiProvider: ProviderDescriptor<'gemini'> = {
  name: 'gemini',
  translator: geminiTranslator as AnyTranslator,
  needsApiKey: true,
};
