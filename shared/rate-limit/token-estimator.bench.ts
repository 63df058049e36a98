import { bench, describe } from 'vitest';
import { preloadTokenizer } from './text-tokens.js';
import { estimateRequestTokens } from './token-estimator.js';

// Run with: npx vitest bench --run shared/rate-limit/token-estimator.bench.ts
// The estimator sits on the request path (admission and pacing), so its cost per request matters.

const WORDS = 'the of and to in is was for on that with as by at from it an be this which or are have has not but had they you were their one all we can her there been if more when will would who'.split(' ');

/** Varied prose of about `bytes` bytes, so the tokenizer's merge cache does not make every run a hit. */
function prose(bytes: number, seed: number): string {
  let state = seed;
  let text = '';
  while (text.length < bytes) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    text += `${WORDS[state % WORDS.length]}${state % 10 === 0 ? `. ${state % 997} ` : ' '}`;
  }
  return text.slice(0, bytes);
}

preloadTokenizer();
const requests = (bytes: number) =>
  Array.from({ length: 256 }, (_, i) => ({
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: prose(bytes, i + 1) },
    ],
    max_tokens: 256,
  }));

describe('estimateRequestTokens', () => {
  for (const bytes of [1024, 16 * 1024, 100 * 1024]) {
    const batch = requests(bytes);
    let i = 0;
    bench(`${bytes / 1024} KB prompt`, () => {
      const request = batch[i++ % batch.length];
      if (request) estimateRequestTokens(request, 1024);
    });
  }
});
