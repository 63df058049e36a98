import type { RuntimeDescriptor } from '../runtime-descriptor.js';
import { createGeminiClient, createGeminiRuntime } from './gemini-runtime.js';

/** Gemini through @google/genai. */
export const geminiRuntimeDescriptor: RuntimeDescriptor<'gemini'> = {
  provider: 'gemini',
  create: (deployment) => createGeminiRuntime(createGeminiClient({ apiKey: deployment.apiKey ?? '', baseURL: deployment.baseURL })),
};
