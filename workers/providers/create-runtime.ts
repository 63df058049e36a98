import type { DeploymentConfig } from '../../shared/config/config-schema.js';
import { createAnthropicClient, createAnthropicRuntime } from './anthropic/anthropic-runtime.js';
import { createGeminiClient, createGeminiRuntime } from './gemini/gemini-runtime.js';
import { createMockRuntime } from './mock/mock-runtime.js';
import { createOpenAIClient, createOpenAIRuntime } from './openai/openai-runtime.js';
import type { ProviderRuntime } from './provider-runtime.js';

/**
 * Builds the runtime (and its vendor SDK client) of one deployment. Called by entry points only;
 * this is where provider credentials meet the SDKs, and nowhere else.
 */
export function createRuntime(deployment: DeploymentConfig): ProviderRuntime {
  switch (deployment.provider) {
    case 'mock':
      return createMockRuntime();
    case 'openai':
    case 'openai-compatible':
      return createOpenAIRuntime(createOpenAIClient({ apiKey: deployment.apiKey || 'unused', baseURL: deployment.baseURL }));
    case 'anthropic':
      return createAnthropicRuntime(createAnthropicClient({ apiKey: deployment.apiKey ?? '', baseURL: deployment.baseURL }), {
        defaultMaxTokens: deployment.defaultMaxTokens,
      });
    case 'gemini':
      return createGeminiRuntime(createGeminiClient({ apiKey: deployment.apiKey ?? '', baseURL: deployment.baseURL }));
  }
}

/** Runtimes for every configured deployment, by deployment name. */
export function createRuntimes(deployments: Record<string, DeploymentConfig>): Map<string, ProviderRuntime> {
  return new Map(Object.entries(deployments).map(([name, deployment]) => [name, createRuntime(deployment)]));
}
