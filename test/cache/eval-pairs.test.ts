import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cacheConfigSchema } from '../../shared/cache/cache-config.js';
import { checkNearMiss } from '../../shared/cache/near-miss-guard.js';
import { normalizePromptText } from '../../shared/cache/semantic-eligibility.js';
import { useLiteEmbedder } from '../../shared/cache/use-lite-embedder.js';

/**
 * The labelled evaluation set of bench/cache/ as a regression test: at the shipped default
 * threshold, with the shipped embedder and near-miss guard, no pair that should miss is served,
 * and the paraphrase hit rate stays where the measurements put it. A change to the guard's word
 * lists, the normaliser or the default that lets a near-miss through fails here, not in production.
 */
const pairsSchema = z.object({
  pairs: z.array(z.object({ id: z.number(), category: z.string(), expect: z.enum(['hit', 'miss']), split: z.enum(['dev', 'test']), a: z.string(), b: z.string() })),
});
const pairs = pairsSchema.parse(JSON.parse(readFileSync(new URL('../../bench/cache/eval-pairs.json', import.meta.url), 'utf8'))).pairs;
const threshold = cacheConfigSchema.parse({}).semantic.threshold;

/** The hit rate measured at the default (bench/cache/RESULTS.md), less a margin for embedder numerics. */
const MIN_HIT_RATE = 0.7;

const served = new Map<number, { similarity: number; guard: boolean }>();

beforeAll(async () => {
  const embedder = await useLiteEmbedder();
  const texts = [...new Set(pairs.flatMap((p) => [normalizePromptText(p.a), normalizePromptText(p.b)]))];
  const vectors = await embedder.embed(texts);
  const byText = new Map(texts.map((t, i) => [t, vectors[i]!]));
  for (const p of pairs) {
    const a = normalizePromptText(p.a);
    const b = normalizePromptText(p.b);
    const va = byText.get(a)!;
    const vb = byText.get(b)!;
    const similarity = va.reduce((s, x, i) => s + x * (vb[i] ?? 0), 0);
    // As the cache runs it: `a` is the cached prompt, `b` the new one.
    served.set(p.id, { similarity, guard: checkNearMiss(b, a).verdict === 'equivalent' });
  }
}, 180_000);

describe(`the semantic tier on the ${pairs.length} labelled pairs, at the default threshold`, () => {
  it('holds enough pairs of each kind to mean something', () => {
    expect(pairs.filter((p) => p.expect === 'hit').length).toBeGreaterThanOrEqual(100);
    expect(pairs.filter((p) => p.expect === 'miss').length).toBeGreaterThanOrEqual(200);
    expect(new Set(pairs.map((p) => p.id)).size).toBe(pairs.length);
  });

  it('serves no pair that should miss', () => {
    const falseHits = pairs.filter((p) => p.expect === 'miss' && served.get(p.id)!.similarity >= threshold && served.get(p.id)!.guard);
    expect(falseHits.map((p) => `#${p.id} ${p.category}: ${p.a} | ${p.b}`)).toEqual([]);
  });

  it('still serves most paraphrases', () => {
    const shouldHit = pairs.filter((p) => p.expect === 'hit');
    const hits = shouldHit.filter((p) => served.get(p.id)!.similarity >= threshold && served.get(p.id)!.guard);
    expect(hits.length / shouldHit.length).toBeGreaterThanOrEqual(MIN_HIT_RATE);
  });
});
