import { describe, expect, it } from 'vitest';
import { deploymentSchema, type DeploymentConfig } from '../../shared/config/config-schema.js';
import { parseConfig } from '../../shared/config/load-config.js';
import { PROVIDERS, providerNeedsApiKey } from '../../shared/providers/provider-names.js';
import { PROVIDER_DESCRIPTORS } from '../../shared/providers/provider-registry.js';
import { TRANSLATORS } from '../../shared/providers/translators.js';
import { createRuntime } from '../../workers/providers/create-runtime.js';
import { RUNTIMES } from '../../workers/providers/runtime-registry.js';

/** The core's view of providers is derived from the two registries; these pin what it derives. */
describe('provider registries', () => {
  it('derive the provider names, in registry order, and the config accepts exactly those', () => {
    expect(PROVIDERS).toEqual(['openai', 'openai-compatible', 'anthropic', 'gemini', 'mock']);
    expect(PROVIDERS).toEqual(PROVIDER_DESCRIPTORS.map((d) => d.name));
    expect(deploymentSchema.shape.provider.options).toEqual([...PROVIDERS]);
    expect(deploymentSchema.safeParse({ provider: 'cohere' }).success).toBe(false);
  });

  it('give every provider its translator; openai-compatible and mock speak OpenAI', () => {
    expect(Object.keys(TRANSLATORS).sort()).toEqual([...PROVIDERS].sort());
    expect(TRANSLATORS.anthropic.provider).toBe('anthropic');
    expect(TRANSLATORS.gemini.provider).toBe('gemini');
    expect([TRANSLATORS.openai, TRANSLATORS['openai-compatible'], TRANSLATORS.mock].map((t) => t.provider)).toEqual(['openai', 'openai', 'openai']);
  });

  it.each([
    ['openai', true],
    ['openai-compatible', false],
    ['anthropic', true],
    ['gemini', true],
    ['mock', false],
    ['cohere', false],
  ])('%s needs an apiKey: %s (and the config says so)', (provider, needed) => {
    expect(providerNeedsApiKey(provider)).toBe(needed);
    if (provider === 'cohere') return;
    const load = () => parseConfig({ deployments: { d: { provider } }, models: { m: [{ deployment: 'd', model: 'x' }] } });
    if (needed) expect(load).toThrow(/apiKey/);
    else expect(load().deployments.d!.provider).toBe(provider);
  });

  it('give every provider a runtime that builds from a deployment', () => {
    expect(Object.keys(RUNTIMES).sort()).toEqual([...PROVIDERS].sort());
    for (const provider of PROVIDERS) {
      expect(RUNTIMES[provider].provider).toBe(provider);
      const deployment: DeploymentConfig = deploymentSchema.parse({ provider, apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1' });
      const runtime = createRuntime(deployment);
      expect(typeof runtime.complete).toBe('function');
      expect(typeof runtime.stream).toBe('function');
    }
  });
});
