/**
 * Semantic-cache latency on this machine: embedding time for a 30-word prompt, embedded vector-store
 * lookups at 10k and 100k entries (one big scope, and the same entries spread over 500-entry
 * scopes), cold rebuild time, and a SemanticCache lookup (no HTTP) for exact and semantic hits.
 * Needs Redis (REDIS_URL, default 127.0.0.1:6379); writes under a throwaway prefix and deletes it.
 *
 *   npx tsx bench/cache/latency.ts [--max 100000] [--hnsw]   (--hnsw adds the opt-in HNSW layout: slow to build)
 *   npx tsx bench/cache/latency.ts --minilm-shaped            (embeds with a generated MiniLM-L6-shaped folder: latency only)
 *   CACHE_EMBEDDER_PATH=/models/all-MiniLM-L6-v2 npx tsx bench/cache/latency.ts   (your model folder)
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { cacheConfigSchema } from '../../shared/cache/cache-config.js';
import { normalizeVector, vectorCollectionName } from '../../shared/cache/embedder.js';
import { EmbeddedVectorStore } from '../../shared/cache/embedded-vector-store.js';
import { SemanticCache } from '../../shared/cache/semantic-cache.js';
import { useLiteEmbedder } from '../../shared/cache/use-lite-embedder.js';
import { transformersEmbedder } from '../../shared/cache/transformers-embedder.js';
import type { Embedder } from '../../shared/cache/embedder.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMiniLmShapedModel } from './minilm-shaped-model.js';
import type { VectorEntry } from '../../shared/cache/vector-store.js';

const maxArg = process.argv.indexOf('--max');
const MAX = maxArg > 0 ? Number(process.argv[maxArg + 1]) : 100_000;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisUrl);
const prefix = `sybench-latency-${process.pid}`;

const PROMPT_30_WORDS =
  'I ordered a pair of running shoes from your online store last week and the tracking page still says the parcel is waiting at the local depot, when will it arrive?';

function percentiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return `p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms (n=${samples.length})`;
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

function randomUnit(): Float32Array {
  const v = new Float32Array(DIMS);
  for (let i = 0; i < DIMS; i++) v[i] = Math.random() - 0.5;
  return normalizeVector(v);
}

function near(v: Float32Array, noise: number): Float32Array {
  const n = randomUnit();
  return normalizeVector(v.map((x, i) => x + noise * (n[i] ?? 0)));
}

async function usedMemoryBytes(): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

console.log(`# cache latency — ${new Date().toISOString()}, Node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
console.log(`30-word prompt: ${PROMPT_30_WORDS.split(/\s+/).length} words\n`);

// 1. Embedding: USE-lite (the default), or a model folder (yours, or a generated MiniLM-shaped one).
const generated = process.argv.includes('--minilm-shaped') ? await mkdtemp(join(tmpdir(), 'sy-minilm-')) : null;
if (generated) await writeMiniLmShapedModel(generated);
const folder = generated ?? process.env.CACHE_EMBEDDER_PATH;
const [loadMs, embedder] = await time(
  (): Promise<Embedder> =>
    folder ? transformersEmbedder({ path: folder, pooling: process.env.CACHE_EMBEDDER_POOLING === 'cls' ? 'cls' : 'mean', threads: 1, maxBatch: 16 }) : useLiteEmbedder(),
);
if (generated) await rm(generated, { recursive: true, force: true }); // loaded: the folder is no longer needed
const DIMS = embedder.dimensions;
console.log(`${embedder.id} load (worker thread start + weights): ${loadMs.toFixed(0)} ms`);
for (let i = 0; i < 10; i++) await embedder.embed([`${PROMPT_30_WORDS} ${i}`]);
const sequential: number[] = [];
for (let i = 0; i < 200; i++) sequential.push((await time(() => embedder.embed([`${PROMPT_30_WORDS} #${i}`])))[0]);
console.log(`embedding, one call at a time: ${percentiles(sequential)}`);
const concurrent: number[] = [];
const [wallMs] = await time(() =>
  Promise.all(
    Array.from({ length: 8 }, async (_, worker) => {
      for (let i = 0; i < 25; i++) concurrent.push((await time(() => embedder.embed([`${PROMPT_30_WORDS} w${worker} ${i}`])))[0]);
    }),
  ),
);
console.log(`embedding, 8 concurrent callers (micro-batched): ${percentiles(concurrent)}; ${(200 / (wallMs / 1000)).toFixed(0)} prompts/s\n`);

// 2. Vector lookups.
const collection = vectorCollectionName(embedder);
type Layout = 'one scope' | '500 per scope' | 'one scope, HNSW';
const layouts: readonly Layout[] = ['one scope', '500 per scope', ...(process.argv.includes('--hnsw') ? (['one scope, HNSW'] as const) : [])];
for (const layout of layouts) {
  const annThreshold = layout === 'one scope, HNSW' ? 1024 : undefined;
  for (const size of [10_000, 100_000].filter((n) => n <= MAX)) {
    const keyPrefix = `${prefix}:${layouts.indexOf(layout)}:${size}`;
    const memoryBefore = await usedMemoryBytes();
    const writer = new EmbeddedVectorStore({ redis, keyPrefix, collection, dimensions: DIMS, annThreshold });
    const stored: VectorEntry[] = [];
    const [insertMs] = await time(async () => {
      for (let start = 0; start < size; start += 500) {
        const batch = Array.from({ length: Math.min(500, size - start) }, (_, i) => ({
          id: randomUUID(),
          scope: layout === '500 per scope' ? `scope-${Math.floor((start + i) / 500)}` : 'scope',
          tenant: 'team:bench',
          vector: randomUnit(),
          payload: { text: 'bench', response: { id: 'x' } },
          expiresAtMs: Date.now() + 3_600_000,
        }));
        await writer.upsert(batch);
        stored.push(...batch.slice(0, Math.ceil(200 / (size / 500))));
      }
    });
    const memoryMb = ((await usedMemoryBytes()) - memoryBefore) / 1e6;
    const readerRedis = new Redis(redisUrl);
    const reader = new EmbeddedVectorStore({ redis: readerRedis, keyPrefix, collection, dimensions: DIMS, annThreshold });
    const [coldMs] = await time(() => reader.ready());
    const lookups: number[] = [];
    let found = 0;
    for (let round = 0; round < 2; round++) {
      for (const e of stored) {
        const [ms, matches] = await time(() => reader.search(e.scope, near(e.vector, 0.3), 4, 0.75));
        if (round === 1) lookups.push(ms);
        if (round === 1 && matches[0]?.id === e.id) found++;
      }
    }
    console.log(`${size.toLocaleString('en')} entries, ${layout}: lookup ${percentiles(lookups)}; top-1 recall ${((found / stored.length) * 100).toFixed(0)}%`);
    console.log(`  insert ${(size / (insertMs / 1000)).toFixed(0)}/s; cold rebuild of a new instance ${(coldMs / 1000).toFixed(1)} s; Redis +${memoryMb.toFixed(0)} MB`);
    readerRedis.disconnect();
    await deleteKeys(`${keyPrefix}:*`);
  }
}

// 3. SemanticCache lookups (everything but HTTP).
const cacheRedis = new Redis(redisUrl);
const keyPrefix = `${prefix}:cache`;
const vectorStore = new EmbeddedVectorStore({ redis: cacheRedis, keyPrefix, collection, dimensions: DIMS });
const config = cacheConfigSchema.parse({});
// A new facade per lookup: its small memo of recent embeddings must not turn repeats into free hits.
const newCache = (): SemanticCache => new SemanticCache({ redis: cacheRedis, keyPrefix, embedder, vectorStore, config });
const cache = newCache();
const ctx = { team: 'bench', modelAlias: 'gpt-4o' };
const ask = (text: string) => ({ model: 'gpt-4o', messages: [{ role: 'user', content: text }], temperature: 0 });
await cache.store(ask('How do I reset my password?'), ctx, { id: 'chatcmpl-1', object: 'chat.completion', choices: [] });
const exact: number[] = [];
const semantic: number[] = [];
const misses: number[] = [];
for (let i = 0; i < 100; i++) {
  exact.push((await time(() => newCache().lookup(ask('How do I reset my password?'), ctx)))[0]);
  const [ms, hit] = await time(() => newCache().lookup(ask(i % 2 === 0 ? 'How can I reset my password?' : 'how do I reset my password please'), ctx));
  if (hit.status !== 'hit-semantic') throw new Error(`expected a semantic hit, got ${hit.status}`);
  semantic.push(ms);
  misses.push((await time(() => newCache().lookup(ask(`What is the capital of country number ${i}?`), ctx)))[0]);
}
console.log(`\nSemanticCache.lookup, exact hit: ${percentiles(exact)}`);
console.log(`SemanticCache.lookup, semantic hit (embed + search + guard): ${percentiles(semantic)}`);
console.log(`SemanticCache.lookup, miss (embed + search): ${percentiles(misses)}`);
await deleteKeys(`${prefix}:*`);
cacheRedis.disconnect();
redis.disconnect();
process.exit(0);

async function deleteKeys(pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
