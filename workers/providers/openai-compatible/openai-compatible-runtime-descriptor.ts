import { createOpenAIClient, createOpenAIRuntime } from '../openai/openai-runtime.js';
import type { RuntimeDescriptor } from '../runtime-descriptor.js';

/**
 * Any OpenAI-style endpoint through the `openai` SDK at the deployment's `baseURL` (the URL the
 * SDK appends `/chat/completions` to, e.g. `http://vllm:8000/v1`). The SDK insists on a key; local
 * servers that take none get a placeholder.
 */
export const openAICompatibleRuntimeDescriptor: RuntimeDescriptor<'openai-compatible'> = {
  provider: 'openai-compatible',
  create: (deployment) => createOpenAIRuntime(createOpenAIClient({ apiKey: deployment.apiKey || 'unused', baseURL: deployment.baseURL })),
};
