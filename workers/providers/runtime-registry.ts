import type { ProviderName } from '../../shared/providers/provider-names.js';
import { anthropicRuntimeDescriptor } from './anthropic/anthropic-runtime-descriptor.js';
import { geminiRuntimeDescriptor } from './gemini/gemini-runtime-descriptor.js';
import { mockRuntimeDescriptor } from './mock/mock-runtime-descriptor.js';
import { openAICompatibleRuntimeDescriptor } from './openai-compatible/openai-compatible-runtime-descriptor.js';
import { openAIRuntimeDescriptor } from './openai/openai-runtime-descriptor.js';
import type { RuntimeDescriptor } from './runtime-descriptor.js';

/** Every provider's runtime, one line each (the worker half of shared/providers/provider-registry.ts). */
const RUNTIME_DESCRIPTORS = [
  openAIRuntimeDescriptor,
  openAICompatibleRuntimeDescriptor,
  anthropicRuntimeDescriptor,
  geminiRuntimeDescriptor,
  mockRuntimeDescriptor,
] as const;

/** A provider in the shared registry with no runtime here fails the build on this line. */
type MissingRuntime = Exclude<ProviderName, (typeof RUNTIME_DESCRIPTORS)[number]['provider']>;
const everyProviderHasARuntime: [MissingRuntime] extends [never] ? true : MissingRuntime = true;
void everyProviderHasARuntime;

/** The runtime descriptor of each provider, by name. */
export const RUNTIMES = Object.fromEntries(RUNTIME_DESCRIPTORS.map((descriptor) => [descriptor.provider, descriptor])) as unknown as Readonly<{
  [Name in ProviderName]: RuntimeDescriptor<Name>;
}>;
