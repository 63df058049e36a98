import {
  CURRENCY_SYMBOLS,
  DROP_WORDS,
  NEGATIONS,
  NUMBER_WORDS,
  PHRASES,
  SYNONYMS,
  TENSE_WORDS,
  UNITS,
} from './near-miss-lexicon.js';

/** One meaningful token of a prompt, canonicalised (lower case, stemmed, synonyms merged). */
export interface ContentToken {
  readonly text: string;
  /**
   * Order-bearing: numbers, units, languages, quoted text, URLs, e-mails, identifiers and names
   * (capitalised mid-sentence or all caps). The guard never lets such a token trade places.
   */
  readonly fixed: boolean;
  /**
   * Follows the previous token with at most a determiner between them ("reset my password"), so the
   * two may trade places in a paraphrase ("password reset"). False across any other dropped word.
   */
  readonly adjacent: boolean;
  /** Follows the previous token with no dropped word at all between them ("password reset", not "square a rectangle"). */
  readonly touching: boolean;
}

/** What the near-miss guard compares about one prompt. */
export interface PromptAnalysis {
  readonly tokens: readonly ContentToken[];
  /** Dominant writing system of the letters (`latin`, `cyrillic`, `han`, ...), or `none`. */
  readonly script: string;
}

// URLs, e-mails, `code`, "double", “curly” and 'single' quotes (single only when they cannot be apostrophes).
const LITERAL =
  /(https?:\/\/[^\s<>"'`]*[^\s<>"'`.,;:!?)])|([\w.+-]+@[\w-]+(?:\.[\w-]+)+)|`([^`]+)`|"([^"]+)"|“([^”]+)”|(?<=^|[\s(])'([^']+)'(?=[\s.,;:!?)]|$)/gu;
// Words (with inner . _ ' -), and operator symbols, which change a question as much as a word does.
const WORD = /[\p{L}\p{N}]+(?:[._'-][\p{L}\p{N}]+)*|[+*/=<>^×÷&|~]|(?<=^|\s)-(?=\s)/gu;
const SCRIPTS: ReadonlyArray<readonly [string, RegExp]> = [
  ['latin', /\p{Script=Latin}/u], ['cyrillic', /\p{Script=Cyrillic}/u], ['greek', /\p{Script=Greek}/u],
  ['arabic', /\p{Script=Arabic}/u], ['hebrew', /\p{Script=Hebrew}/u], ['han', /\p{Script=Han}/u],
  ['kana', /[\p{Script=Hiragana}\p{Script=Katakana}]/u], ['hangul', /\p{Script=Hangul}/u],
  ['devanagari', /\p{Script=Devanagari}/u], ['thai', /\p{Script=Thai}/u],
];
/** Words whose final s is not a plural, where stripping it would meet another word (https/http, news/new). */
const NO_S_STRIP = new Set(['https', 'news', 'goods', 'ios', 'macos', 'aws', 'dns', 'gps', 'sms', 'css', 'kubernetes', 'physics', 'series', 'species']);
const NO_ING_STRIP = new Set(['string', 'thing', 'during', 'morning', 'evening', 'spring', 'bring', 'king', 'ring',
  'sing', 'wing', 'ceiling', 'pudding', 'wedding', 'nothing', 'something', 'anything', 'everything', 'sibling']);

const DROP = new Set(DROP_WORDS);
/** Unit abbreviations that are also ordinary words ("mi" in Spanish, "am"): units only after a number. */
const AMBIGUOUS_UNITS = new Set(['m', 'g', 'l', 'mi', 'am', 'pm', 'ft', 'oz', 'cup', 'cups']);
/** Dropped words that do not break adjacency (see ContentToken.adjacent). */
const DETERMINERS = new Set(['a', 'an', 'the', 'of', 'for', 'my', 'your', 'our', 'its', 'this', 'that']);
const SYNONYM_OF = new Map<string, string>();
for (const group of SYNONYMS) {
  const canonical = stem(group[0] ?? '');
  for (const word of group) SYNONYM_OF.set(stem(word), canonical);
}
const PHRASE_RULES = PHRASES.map(([from, to]) => ({ from: from.split(' '), to: to === '' ? [] : to.split(' ') })).sort(
  (a, b) => b.from.length - a.from.length,
);

interface RawWord {
  readonly word: string;
  readonly entity: boolean;
  /** All capitals (an acronym such as HTTPS): kept verbatim, never dropped or stemmed. */
  readonly acronym: boolean;
}

type Token = Omit<ContentToken, 'adjacent' | 'touching'>;

/** Splits a prompt into canonical content tokens. Pure and deterministic. */
export function analyzePrompt(text: string): PromptAnalysis {
  const normalized = text.normalize('NFKC').replace(/[’‘]/g, "'");
  const tokens: ContentToken[] = [];
  let last = 0;
  for (const match of normalized.matchAll(LITERAL)) {
    tokens.push(...plainTokens(normalized.slice(last, match.index), last === 0));
    const [, url, email, code, ...quoted] = match;
    const exact = url ?? email ?? code;
    if (exact !== undefined) tokens.push({ text: exact.trim(), fixed: true, adjacent: false, touching: false });
    else {
      const inner = quoted.find((q) => q !== undefined) ?? '';
      (inner.toLowerCase().match(WORD) ?? []).forEach((word, k) => tokens.push({ text: word, fixed: true, adjacent: k > 0, touching: k > 0 }));
    }
    last = match.index + match[0].length;
  }
  tokens.push(...plainTokens(normalized.slice(last), last === 0));
  return { tokens, script: dominantScript(normalized) };
}

function plainTokens(segment: string, startsText: boolean): ContentToken[] {
  const prepared = segment
    .replace(/°\s*([cfk])\b/gi, ' deg$1 ')
    .replace(/([$€£¥])\s?(\d[\d,]*(?:\.\d+)?)/g, (_, symbol: string, amount: string) => ` ${amount} ${CURRENCY_SYMBOLS[symbol] ?? ''} `)
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .replace(/%/g, ' percent ')
    .replace(/\b(can|won|shan|ain)'t\b/gi, (_, stemWord: string) => `${{ won: 'will', shan: 'shall', ain: 'is' }[stemWord.toLowerCase()] ?? 'can'} not`)
    .replace(/n't\b/gi, ' not')
    .replace(/'(re|ve|ll|m|d)\b/gi, (_, s: string) => ` ${{ re: 'are', ve: 'have', ll: 'will', m: 'am', d: 'would' }[s.toLowerCase()] ?? ''}`)
    .replace(/'s\b|s'(?=\s|$)/gi, (m) => (m.startsWith('s') ? 's' : ''));
  const raw: RawWord[] = [];
  // Text typed in capitals says nothing about names or acronyms.
  const shouting = (prepared.match(/\p{Lu}/gu)?.length ?? 0) > 0.8 * (prepared.match(/\p{L}/gu)?.length ?? 0);
  for (const match of prepared.matchAll(WORD)) {
    const original = match[0];
    const before = prepared.slice(0, match.index).trimEnd();
    const sentenceStart = before === '' ? startsText : /[.!?:;¿¡]$/.test(before);
    const capitalised = !shouting && /^\p{Lu}/u.test(original) && !sentenceStart;
    const allCaps = !shouting && original.length > 1 && /\p{Lu}/u.test(original) && !/\p{Ll}/u.test(original);
    const lower = original.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
    // "wi-fi" = "wifi", but "555-0134" and "5-3" keep their hyphen.
    const word = /\d/.test(lower) ? lower : lower.replace(/-/g, '');
    raw.push(...splitNumberUnit(word).map((w) => ({ word: w, entity: capitalised || allCaps, acronym: allCaps })));
  }
  const tokens: ContentToken[] = [];
  let gapBroken = true;
  let gapAny = true;
  let previous = '';
  for (const word of rewritePhrases(raw)) {
    const emitted = canonical(word, /^\d/.test(previous));
    previous = word.word;
    if (emitted.length === 0) {
      if (!DETERMINERS.has(word.word)) gapBroken = true;
      gapAny = true;
      continue;
    }
    emitted.forEach((token, k) => {
      const prior = tokens.at(-1);
      // Collapse a repeated word ("explain what" -> "what what"): repetition adds no meaning.
      if (prior !== undefined && k === 0 && !gapBroken && !token.fixed && prior.text === token.text) return;
      tokens.push({ ...token, adjacent: k > 0 || !gapBroken, touching: k > 0 || !gapAny });
    });
    gapBroken = false;
    gapAny = false;
  }
  return tokens;
}

function splitNumberUnit(word: string): string[] {
  const m = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(word);
  if (m?.[1] !== undefined && m[2] !== undefined && UNITS[m[2]] !== undefined) return [m[1], m[2]];
  return [word];
}

function rewritePhrases(words: readonly RawWord[]): RawWord[] {
  const out: RawWord[] = [];
  for (let i = 0; i < words.length; ) {
    const rule = PHRASE_RULES.find((r) => r.from.every((w, k) => words[i + k]?.word === w));
    if (rule === undefined) {
      const word = words[i];
      if (word !== undefined) out.push(word);
      i += 1;
      continue;
    }
    out.push(...rule.to.map((word) => ({ word, entity: false, acronym: false })));
    i += rule.from.length;
  }
  return out;
}

function canonical({ word, entity, acronym }: RawWord, afterNumber: boolean): Token[] {
  const negation = NEGATIONS[word];
  if (negation !== undefined) return negation.map((text) => ({ text, fixed: text === 'not' }));
  const tense = TENSE_WORDS[word];
  if (tense !== undefined) return [{ text: tense, fixed: false }];
  const number = NUMBER_WORDS[word];
  if (number !== undefined) return [{ text: number, fixed: true }];
  const unit = UNITS[word];
  if (unit !== undefined && (afterNumber || !AMBIGUOUS_UNITS.has(word))) return [{ text: unit, fixed: true }];
  // An acronym is a name even when it spells a filler word ("US", "IT").
  if (acronym) return [{ text: word, fixed: true }];
  if (DROP.has(word)) return [];
  if (!/[\p{L}\p{N}]/u.test(word)) return [{ text: word, fixed: true }];
  // Digits, dots or underscores: an id, version, file name or amount; compared verbatim.
  if (/[\d._]/.test(word)) return [{ text: word, fixed: true }];
  const stemmed = stem(word);
  return [{ text: SYNONYM_OF.get(stemmed) ?? stemmed, fixed: entity }];
}

/** A light suffix stripper: plurals, -ing, final y/e. Tense endings (-ed) are kept on purpose. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /[^a-z]/.test(w) || NO_S_STRIP.has(w)) return w;
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}i`;
  else if (/(x|ch|sh|zz)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5 && !NO_ING_STRIP.has(w) && /[aeiouy]/.test(w.slice(0, -3))) {
    w = w.slice(0, -3);
    if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  }
  if (w.length > 3 && w.endsWith('y')) w = `${w.slice(0, -1)}i`;
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

function dominantScript(text: string): string {
  const counts = new Map<string, number>();
  for (const char of text) {
    const script = SCRIPTS.find(([, re]) => re.test(char))?.[0];
    if (script !== undefined) counts.set(script, (counts.get(script) ?? 0) + 1);
  }
  let best = 'none';
  let bestCount = 0;
  for (const [script, count] of counts) if (count > bestCount) [best, bestCount] = [script, count];
  return best;
}
