import { createRequire } from 'node:module';
import type * as O200kBase from 'gpt-tokenizer/encoding/o200k_base';

type Encoding = typeof O200kBase;

let encoding: Encoding | undefined;

// User text may contain strings like "<|endoftext|>"; the vendor tokenizes them as plain text, and by
// default gpt-tokenizer throws on them instead, which would turn a valid prompt into a crash.
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

function load(): Encoding {
  // Loading the o200k_base ranks costs ~135 ms, so it happens on first use rather than at import, and
  // synchronously (through the package's CommonJS build) so counting stays a plain function call.
  encoding ??= createRequire(import.meta.url)('gpt-tokenizer/cjs/encoding/o200k_base') as Encoding;
  return encoding;
}

/** Number of o200k_base tokens in `text` (the GPT-4o/4.1/5 encoding). Special-token strings count as text. */
export function countTextTokens(text: string): number {
  return text === '' ? 0 : load().countTokens(text, AS_PLAIN_TEXT);
}

/** Loads the tokenizer now, so the first request does not pay for it (call at process start-up). */
export function preloadTokenizer(): void {
  load();
}
