/**
 * Semantic-cache evaluation: hit rate and false-hit rate of the USE-lite embedder, for a sweep of
 * similarity thresholds, with and without the near-miss guard, on bench/cache/eval-pairs.json.
 * Picks the default threshold (see pickThreshold) and checks it end to end through SemanticCache.
 *
 *   npx tsx bench/cache/eval-cache.ts            # sweep + pick + end-to-end check (needs Redis)
 *   npx tsx bench/cache/eval-cache.ts --no-e2e   # sweep and pick only
 *   CACHE_EMBEDDER_PATH=/models/all-MiniLM-L6-v2 npx tsx bench/cache/eval-cache.ts   # your model folder
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { cacheConfigSchema } from '../../shared/cache/cache-config.js';
import { vectorCollectionName } from '../../shared/cache/embedder.js';
import { EmbeddedVectorStore } from '../../shared/cache/embedded-vector-store.js';
import { checkNearMiss } from '../../shared/cache/near-miss-guard.js';
import { SemanticCache } from '../../shared/cache/semantic-cache.js';
import { normalizePromptText } from '../../shared/cache/semantic-eligibility.js';
import { useLiteEmbedder } from '../../shared/cache/use-lite-embedder.js';
import { transformersEmbedder } from '../../shared/cache/transformers-embedder.js';

const MAX_FALSE_HIT_RATE = 0.005;
/** The default gives up at most this share of the best guarded hit rate for a higher threshold. */
const HIT_RATE_GIVE_UP = 0.05;

const evalSet = z.object({
  pairs: z.array(
    z.object({
      id: z.number(),
      category: z.string(),
      expect: z.enum(['hit', 'miss']),
      split: z.enum(['dev', 'test']),
      a: z.string(),
      b: z.string(),
    }),
  ),
});
type Pair = z.infer<typeof evalSet>['pairs'][number];
interface Scored extends Pair {
  similarity: number;
  guardPasses: boolean;
}

const pairs = evalSet.parse(JSON.parse(readFileSync(new URL('./eval-pairs.json', import.meta.url), 'utf8'))).pairs;
// CACHE_EMBEDDER_PATH: evaluate an operator-supplied model folder instead (pooling: CACHE_EMBEDDER_POOLING, default mean).
const folder = process.env.CACHE_EMBEDDER_PATH;
const embedder = folder
  ? await transformersEmbedder({ path: folder, pooling: process.env.CACHE_EMBEDDER_POOLING === 'cls' ? 'cls' : 'mean', threads: 1, maxBatch: 16 })
  : await useLiteEmbedder();
const texts = [...new Set(pairs.flatMap((p) => [normalizePromptText(p.a), normalizePromptText(p.b)]))];
const vectors = new Map<string, Float32Array>();
const embedded = await embedder.embed(texts);
texts.forEach((t, i) => vectors.set(t, embedded[i] ?? new Float32Array()));

// `a` is the cached prompt, `b` the new one: the cache runs checkNearMiss(new, cached).
const scored: Scored[] = pairs.map((p) => {
  const a = normalizePromptText(p.a);
  const b = normalizePromptText(p.b);
  return { ...p, similarity: dot(vectors.get(a), vectors.get(b)), guardPasses: checkNearMiss(b, a).verdict === 'equivalent' };
});

interface Rates {
  threshold: number;
  hitRate: number;
  falseHitRate: number;
  falseHits: number;
}

function rates(set: readonly Scored[], threshold: number, guard: boolean): Rates {
  const served = (p: Scored): boolean => p.similarity >= threshold && (!guard || p.guardPasses);
  const shouldHit = set.filter((p) => p.expect === 'hit');
  const shouldMiss = set.filter((p) => p.expect === 'miss');
  const falseHits = shouldMiss.filter(served).length;
  return { threshold, hitRate: shouldHit.filter(served).length / shouldHit.length, falseHitRate: falseHits / shouldMiss.length, falseHits };
}

const thresholds = Array.from({ length: 50 }, (_, i) => Math.round((0.5 + i * 0.01) * 100) / 100);
const dev = scored.filter((p) => p.split === 'dev');
const test = scored.filter((p) => p.split === 'test');

/**
 * The default: among thresholds whose guarded false-hit rate is within bounds on the dev split, the
 * full set and the held-out split, the highest one that keeps (1 - HIT_RATE_GIVE_UP) of the best
 * guarded hit rate — a higher threshold sends fewer near neighbours to the guard, so a word the
 * lexicon does not know is less likely to slip through.
 */
function pickThreshold(): number | undefined {
  const safe = thresholds.filter((t) => [dev, test, scored].every((set) => rates(set, t, true).falseHitRate <= MAX_FALSE_HIT_RATE));
  if (safe.length === 0) return undefined;
  const best = Math.max(...safe.map((t) => rates(scored, t, true).hitRate));
  return Math.max(...safe.filter((t) => rates(scored, t, true).hitRate >= best * (1 - HIT_RATE_GIVE_UP)));
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const count = (set: readonly Scored[], expect: 'hit' | 'miss'): number => set.filter((p) => p.expect === expect).length;
console.log(`pairs: ${scored.length} (${count(scored, 'hit')} should hit, ${count(scored, 'miss')} should miss); dev ${dev.length}, held-out test ${test.length}`);
console.log(`embedder: ${embedder.id}; false-hit bound ${pct(MAX_FALSE_HIT_RATE)}\n`);
console.log('| threshold | hit rate (no guard) | false hits (no guard) | hit rate (guard) | false hits (guard) | held-out hit / false (guard) |');
console.log('|---|---|---|---|---|---|');
for (const t of thresholds.filter((x) => Math.round(x * 100) % 5 === 0 || x >= 0.9)) {
  const raw = rates(scored, t, false);
  const guarded = rates(scored, t, true);
  const held = rates(test, t, true);
  console.log(
    `| ${t.toFixed(2)} | ${pct(raw.hitRate)} | ${pct(raw.falseHitRate)} (${raw.falseHits}) | ${pct(guarded.hitRate)} | ${pct(guarded.falseHitRate)} (${guarded.falseHits}) | ${pct(held.hitRate)} / ${pct(held.falseHitRate)} |`,
  );
}

const noGuardSafe = thresholds.find((t) => rates(scored, t, false).falseHitRate <= MAX_FALSE_HIT_RATE);
console.log(`\nwithout the guard, lowest threshold with false hits <= ${pct(MAX_FALSE_HIT_RATE)}: ${noGuardSafe?.toFixed(2) ?? 'none up to 0.99'}` +
  (noGuardSafe === undefined ? '' : ` (hit rate ${pct(rates(scored, noGuardSafe, false).hitRate)})`));
const chosen = pickThreshold();
if (chosen === undefined) {
  console.log('no threshold keeps guarded false hits within bounds');
  process.exit(1);
}
const atChosen = rates(scored, chosen, true);
console.log(`chosen default threshold: ${chosen.toFixed(2)} -> hit rate ${pct(atChosen.hitRate)}, false-hit rate ${pct(atChosen.falseHitRate)} (${atChosen.falseHits})`);
for (const [name, set] of [['dev', dev], ['held-out test', test]] as const) {
  const r = rates(set, chosen, true);
  console.log(`  ${name}: hit rate ${pct(r.hitRate)}, false-hit rate ${pct(r.falseHitRate)} (${r.falseHits})`);
}

console.log('\nper category at the chosen threshold (served / pairs), without -> with guard:');
for (const category of [...new Set(scored.map((p) => p.category))]) {
  const inCat = scored.filter((p) => p.category === category);
  const raw = inCat.filter((p) => p.similarity >= chosen).length;
  const guarded = inCat.filter((p) => p.similarity >= chosen && p.guardPasses).length;
  console.log(`  ${category} (expect ${inCat[0]?.expect}): ${raw}/${inCat.length} -> ${guarded}/${inCat.length}`);
}
const falseHits = scored.filter((p) => p.expect === 'miss' && p.similarity >= chosen && p.guardPasses);
for (const p of falseHits) console.log(`  FALSE HIT #${p.id} [${p.split}] ${p.similarity.toFixed(3)}: ${p.a} | ${p.b}`);
const maxNearMiss = Math.max(...scored.filter((p) => p.expect === 'miss').map((p) => p.similarity));
const paraphraseRange = scored.filter((p) => p.expect === 'hit').map((p) => p.similarity);
console.log(`\nsimilarity: paraphrases ${Math.min(...paraphraseRange).toFixed(3)}–${Math.max(...paraphraseRange).toFixed(3)}; highest should-miss pair ${maxNearMiss.toFixed(3)}`);

if (!process.argv.includes('--no-e2e')) await endToEnd(chosen);

/** Stores `a` and looks up `b` through SemanticCache (one team per pair), counting what it serves. */
async function endToEnd(threshold: number): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `sybench-eval-${process.pid}`;
  const config = cacheConfigSchema.parse({ exact: { enabled: false }, semantic: { threshold } });
  const vectorStore = new EmbeddedVectorStore({ redis, keyPrefix: prefix, collection: vectorCollectionName(embedder), dimensions: embedder.dimensions });
  const cache = new SemanticCache({ redis, keyPrefix: prefix, embedder, vectorStore, config });
  let hits = 0;
  let falseHits = 0;
  for (const p of pairs) {
    const ctx = { team: `eval-${p.id}`, modelAlias: 'eval' };
    await cache.store({ model: 'eval', messages: [{ role: 'user', content: p.a }] }, ctx, { id: String(p.id) });
    const result = await cache.lookup({ model: 'eval', messages: [{ role: 'user', content: p.b }] }, ctx);
    if (result.status === 'hit-semantic') {
      if (p.expect === 'hit') hits++;
      else falseHits++;
    }
  }
  console.log(`\nend to end through SemanticCache at ${threshold.toFixed(2)}: ${hits}/${count(scored, 'hit')} paraphrases served, ${falseHits}/${count(scored, 'miss')} false hits`);
  for (const tenant of pairs.map((p) => `eval-${p.id}`)) await cache.purge({ team: tenant });
  const leftover = await redis.keys(`${prefix}:*`);
  if (leftover.length > 0) await redis.del(...leftover);
  redis.disconnect();
}

function dot(a: Float32Array | undefined, b: Float32Array | undefined): number {
  if (a === undefined || b === undefined) return 0;
  return a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
}
