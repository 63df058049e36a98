import { PROVIDER_DESCRIPTORS } from './provider-registry.js';

type NamesOf<Descriptors> = { readonly [K in keyof Descriptors]: Descriptors[K] extends { readonly name: infer Name } ? Name : never };

/** Vendor types a deployment can have, in registry order: an `as const` tuple for `z.enum`. */
export const PROVIDERS = PROVIDER_DESCRIPTORS.map((descriptor) => descriptor.name) as unknown as NamesOf<typeof PROVIDER_DESCRIPTORS>;
export type ProviderName = (typeof PROVIDERS)[number];

/** Whether a deployment of `provider` must set `apiKey`; false for a name no provider has. */
export function providerNeedsApiKey(provider: unknown): boolean {
  return PROVIDER_DESCRIPTORS.some((descriptor) => descriptor.name === provider && descriptor.needsApiKey);
}
