import type { RuntimeDescriptor } from '../runtime-descriptor.js';
import { createOpenAIClient, createOpenAIRuntime } from './openai-runtime.js';

/** OpenAI through the `openai` SDK; `baseURL` (when set) is passed to the SDK as it is. */
export const openAIRuntimeDescriptor: RuntimeDescriptor<'openai'> = {
  provider: 'openai',
  create: (deployment) => createOpenAIRuntime(createOpenAIClient({ apiKey: deployment.apiKey || 'unused', baseURL: deployment.baseURL })),
};
