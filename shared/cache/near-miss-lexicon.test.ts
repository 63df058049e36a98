import { describe, expect, it } from 'vitest';
import { analyzePrompt } from './content-tokens.js';
import { ANTONYMS, SYNONYMS } from './near-miss-lexicon.js';

const canonical = (word: string): string => analyzePrompt(word).tokens.map((t) => t.text).join(' ');

describe('near-miss lexicon', () => {
  it.each(ANTONYMS.map(([a, b]) => [a, b]))('keeps the antonyms %s and %s apart after canonicalisation', (a, b) => {
    expect(canonical(a)).not.toBe(canonical(b));
  });

  it('maps every member of a synonym group to one token', () => {
    for (const group of SYNONYMS) {
      const forms = new Set(group.map((w) => canonical(w)));
      expect([...forms], group.join(',')).toHaveLength(1);
    }
  });
});
