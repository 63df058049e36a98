import { analyzePrompt, stem, type ContentToken, type PromptAnalysis } from './content-tokens.js';
import { ANTONYMS } from './near-miss-lexicon.js';

/** Why two prompts that embed close must not share an answer. */
export const NEAR_MISS_REASONS = ['language', 'negation', 'antonym', 'number', 'entity', 'content-word', 'word-order'] as const;
export type NearMissReason = (typeof NEAR_MISS_REASONS)[number];

export type NearMissVerdict =
  | { readonly verdict: 'equivalent' }
  | { readonly verdict: 'different'; readonly reason: NearMissReason; readonly detail: string };

const ANTONYM_PAIRS = new Set(ANTONYMS.flatMap(([a, b]) => [`${stem(a)}|${stem(b)}`, `${stem(b)}|${stem(a)}`]));
const OPPOSITE_PREFIXES = ['un', 'dis', 'de', 'in', 'il', 'im', 'ir', 'non'];

/**
 * Decides whether a new prompt may be answered with the answer cached for another prompt that
 * embeds close to it. Fails closed: the prompts are equivalent only when their content tokens
 * (content-tokens.ts) are the same multiset — nothing but filler, synonyms and inflection differs —
 * and the same sequence up to swaps of adjacent non-fixed tokens ("password reset" / "reset password");
 * numbers, units, names and quoted text must keep their order ("°F to °C" is not "°C to °F").
 * Pure; the reason only explains the verdict (the first rule that fired).
 */
export function checkNearMiss(prompt: string, cachedPrompt: string): NearMissVerdict {
  const a = analyzePrompt(prompt);
  const b = analyzePrompt(cachedPrompt);
  if (a.script !== b.script) return different('language', `${a.script} vs ${b.script}`);

  const textsA = a.tokens.map((t) => t.text);
  const textsB = b.tokens.map((t) => t.text);
  const onlyA = multisetMinus(textsA, textsB);
  const onlyB = multisetMinus(textsB, textsA);
  if (onlyA.length > 0 || onlyB.length > 0) return classify(onlyA, onlyB, a, b);

  if (textsA.length === 0) {
    // Nothing but filler on both sides ("hi" / "thanks"): only the same text is the same question.
    const bare = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
    return bare(prompt) === bare(cachedPrompt) ? { verdict: 'equivalent' } : different('content-word', 'filler only');
  }

  const fixed = new Set([...a.tokens, ...b.tokens].filter((t) => t.fixed).map((t) => t.text));
  const moved = firstIllegalMove(a.tokens, b.tokens, fixed);
  if (moved !== undefined) return different(fixed.has(moved) ? 'entity' : 'word-order', `"${moved}" moved`);
  return { verdict: 'equivalent' };
}

function different(reason: NearMissReason, detail: string): NearMissVerdict {
  return { verdict: 'different', reason, detail };
}

function multisetMinus(from: readonly string[], minus: readonly string[]): string[] {
  const remaining = new Map<string, number>();
  for (const t of minus) remaining.set(t, (remaining.get(t) ?? 0) + 1);
  const out: string[] = [];
  for (const t of from) {
    const n = remaining.get(t) ?? 0;
    if (n > 0) remaining.set(t, n - 1);
    else out.push(t);
  }
  return out;
}

function classify(onlyA: string[], onlyB: string[], a: PromptAnalysis, b: PromptAnalysis): NearMissVerdict {
  const detail = `${onlyA.join(' ') || '∅'} / ${onlyB.join(' ') || '∅'}`;
  const all = [...onlyA, ...onlyB];
  if (all.includes('not')) return different('negation', detail);
  for (const x of onlyA) {
    for (const y of onlyB) if (ANTONYM_PAIRS.has(`${x}|${y}`) || prefixedOpposite(x, y)) return different('antonym', detail);
  }
  if (all.some((t) => /\d/.test(t))) return different('number', detail);
  const fixed = new Set([...a.tokens, ...b.tokens].filter((t) => t.fixed).map((t) => t.text));
  if (all.some((t) => fixed.has(t))) return different('entity', detail);
  return different('content-word', detail);
}

function prefixedOpposite(x: string, y: string): boolean {
  return OPPOSITE_PREFIXES.some((p) => x === p + y || y === p + x);
}

/**
 * Walks both sequences (same multiset) and returns the first token that moved other than by an
 * allowed adjacent swap of two non-fixed tokens; undefined when the orders are compatible.
 */
function firstIllegalMove(
  a: readonly ContentToken[],
  b: readonly ContentToken[],
  fixed: ReadonlySet<string>,
): string | undefined {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]?.text ?? '';
    if (x === b[i]?.text) continue;
    const y = a[i + 1]?.text;
    const swapped = y !== undefined && b[i]?.text === y && b[i + 1]?.text === x;
    // A compound may flip ("reset my password" / "password reset"), but only when one side writes the
    // two words side by side: with a word between them on both sides it is a relation, and flipping a
    // relation changes the question ("is a square a rectangle" / "is a rectangle a square").
    const compound = a[i + 1]?.touching === true || b[i + 1]?.touching === true;
    if (swapped && compound && !fixed.has(x) && !fixed.has(y) && a[i + 1]?.adjacent === true && b[i + 1]?.adjacent === true) {
      i += 1;
      continue;
    }
    return fixed.has(x) ? x : (b[i]?.text ?? x);
  }
  return undefined;
}
