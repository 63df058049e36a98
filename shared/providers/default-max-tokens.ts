import { z } from 'zod';

/**
 * Output tokens to request when the client sets none and the vendor requires a value (Anthropic).
 * The deployment schema's `defaultMaxTokens` field; it lives here so the Anthropic translator can
 * read the default without importing the config schema (which imports the provider registry).
 */
export const defaultMaxTokensSchema = z.number().int().positive().default(4096);
