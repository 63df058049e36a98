import type { RuntimeDescriptor } from '../runtime-descriptor.js';
import { createAnthropicClient, createAnthropicRuntime } from './anthropic-runtime.js';

/** Anthropic through @anthropic-ai/sdk, with the deployment's `defaultMaxTokens`. */
export const anthropicRuntimeDescriptor: RuntimeDescriptor<'anthropic'> = {
  provider: 'anthropic',
  create: (deployment) =>
    createAnthropicRuntime(createAnthropicClient({ apiKey: deployment.apiKey ?? '', baseURL: deployment.baseURL }), {
      defaultMaxTokens: deployment.defaultMaxTokens,
    }),
};
