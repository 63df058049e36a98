/** Vendor types a deployment can have. */
export const PROVIDERS = ['openai', 'openai-compatible', 'anthropic', 'gemini', 'mock'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
