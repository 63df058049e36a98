import type { ProviderName } from './provider-names.js';
import type { AnyTranslator } from './provider-descriptor.js';
import { PROVIDER_DESCRIPTORS } from './provider-registry.js';

export type { AnyTranslator } from './provider-descriptor.js';

/**
 * The pure translator of each provider, from the registry. The API uses it to reject, before
 * enqueueing, what a route's targets cannot take; `mock` speaks the canonical format.
 */
export const TRANSLATORS = Object.fromEntries(
  PROVIDER_DESCRIPTORS.map((descriptor) => [descriptor.name, descriptor.translator]),
) as Readonly<Record<ProviderName, AnyTranslator>>;
