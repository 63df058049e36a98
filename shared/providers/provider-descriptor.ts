import type { ProviderTranslator } from './translator.js';

/** A translator with its vendor types erased, for code that only routes by provider name. */
export type AnyTranslator = ProviderTranslator<unknown, unknown, unknown>;

/**
 * What the core needs to know about one provider, exported by its folder and listed once in
 * `provider-registry.ts`. The config schema's provider enum, the apiKey check and the API's
 * pre-enqueue validation are all derived from that list.
 */
export interface ProviderDescriptor<Name extends string = string> {
  /** The `provider:` value of a deployment in switchyard.yaml. */
  readonly name: Name;
  /**
   * The pure translator the API uses to reject, before enqueueing, what a target cannot take.
   * Workers build their own from each deployment (see workers/providers/runtime-registry.ts).
   */
  readonly translator: AnyTranslator;
  /** Whether a deployment of this provider must set `apiKey` (the config fails to load otherwise). */
  readonly needsApiKey: boolean;
}
