import { mkdtemp, rm, unlink, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheConfigSchema } from '../../shared/cache/cache-config.js';
import { vectorCollectionName, type Embedder } from '../../shared/cache/embedder.js';
import { EmbeddedVectorStore } from '../../shared/cache/embedded-vector-store.js';
import { SemanticCache } from '../../shared/cache/semantic-cache.js';
import { transformersEmbedder, type TransformersEmbedderOptions } from '../../shared/cache/transformers-embedder.js';
import { writeTinyBertModel } from '../helpers/tiny-onnx-model.js';
import { deletePrefix, testPrefix, testRedis } from '../helpers/test-redis.js';

/**
 * The operator-folder embedder, against generated BERT-shaped model folders (test/helpers/
 * tiny-onnx-model.ts): the real @huggingface/transformers pipeline and onnxruntime-node, offline.
 */
describe('transformers folder embedder', () => {
  let root: string;
  let modelA: string;
  let modelB: string;
  const options = (path: string, extra: Partial<TransformersEmbedderOptions> = {}): TransformersEmbedderOptions => ({ path, pooling: 'mean', threads: 1, maxBatch: 16, ...extra });
  const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sy-tx-'));
    modelA = join(root, 'tiny-a');
    modelB = join(root, 'tiny-b');
    await writeTinyBertModel(modelA, { seed: 7, hidden: 24 });
    await writeTinyBertModel(modelB, { seed: 8, hidden: 24 });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads offline and returns one unit vector per text, of the model\'s width, the same each time', async () => {
    const embedder = await transformersEmbedder(options(modelA));
    expect(embedder.dimensions).toBe(24);
    const [first, second] = await embedder.embed(['how do i reset my password', 'what is the capital of france']);
    for (const v of [first!, second!]) {
      expect(v).toHaveLength(24);
      expect(Math.abs(dot(v, v) - 1)).toBeLessThan(1e-5);
    }
    expect(dot(first!, second!)).toBeLessThan(0.999);
    const [again] = await embedder.embed(['how do i reset my password']);
    expect(Array.from(again!)).toEqual(Array.from(first!));
  });

  it('gives the same vectors for texts embedded together (micro-batched, padded) as one by one', async () => {
    const embedder = await transformersEmbedder(options(modelA));
    const texts = ['hello world', 'can you please recommend a good movie', 'cache hit'];
    const together = await embedder.embed(texts);
    const alone = await Promise.all(texts.map(async (t) => (await embedder.embed([t]))[0]!));
    together.forEach((v, i) => expect(dot(v, alone[i]!)).toBeGreaterThan(0.99999));
  });

  it('pools as configured: [CLS] vectors differ from mean vectors, and so do the ids', async () => {
    const mean = await transformersEmbedder(options(modelA));
    const cls = await transformersEmbedder(options(modelA, { pooling: 'cls' }));
    const [m] = await mean.embed(['how do i reset my password']);
    const [c] = await cls.embed(['how do i reset my password']);
    expect(dot(m!, c!)).toBeLessThan(0.999);
    expect(cls.id).not.toBe(mean.id);
  });

  it('names the model by its content: another model gets another id, a copy of the same model the same id', async () => {
    const copy = join(root, 'copy', 'tiny-a');
    await cp(modelA, copy, { recursive: true });
    const [a, b, same] = await Promise.all([transformersEmbedder(options(modelA)), transformersEmbedder(options(modelB)), transformersEmbedder(options(copy))]);
    expect(a.id).toMatch(/^transformers-tiny-a-mean-[0-9a-f]{12}$/);
    expect(b.id).not.toBe(a.id);
    expect(same.id).toBe(a.id);
    expect(vectorCollectionName(b)).not.toBe(vectorCollectionName(a));
  });

  it('refuses a folder without the model files, naming what is missing', async () => {
    await expect(transformersEmbedder(options(join(root, 'nowhere')))).rejects.toThrow(/not a model folder: missing config.json, tokenizer.json, onnx\/model.onnx/);
    const broken = join(root, 'broken');
    await writeTinyBertModel(broken, { seed: 9 });
    await unlink(join(broken, 'tokenizer.json'));
    await expect(transformersEmbedder(options(broken))).rejects.toThrow(/missing tokenizer.json/);
  });

  it('serves the semantic tier of the cache: the same question hits, another one misses', async () => {
    const embedder: Embedder = await transformersEmbedder(options(modelA));
    const redis = testRedis();
    const prefix = testPrefix('txcache');
    try {
      const config = cacheConfigSchema.parse({ exact: { enabled: false }, semantic: { threshold: 0.99 }, embedder: { kind: 'transformers', path: modelA } });
      const vectorStore = new EmbeddedVectorStore({ redis, keyPrefix: prefix, collection: vectorCollectionName(embedder), dimensions: embedder.dimensions });
      const cache = new SemanticCache({ redis, keyPrefix: prefix, embedder, vectorStore, config, sweepIntervalMs: 0 });
      const ask = (content: string) => ({ model: 'gpt-4o', messages: [{ role: 'user' as const, content }], temperature: 0 });
      const context = { team: 'a', modelAlias: 'gpt-4o' };
      const response = { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Use the link.' }, finish_reason: 'stop' }] };
      await cache.store(ask('how do i reset my password'), context, response);
      expect(await cache.lookup(ask('how do i reset my password'), context)).toMatchObject({ status: 'hit-semantic', response });
      expect((await cache.lookup(ask('what is the capital of france'), context)).status).toBe('miss');
    } finally {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });
});

describe('cache.embedder config', () => {
  it('takes a transformers folder with its defaults, and refuses unknown fields', () => {
    expect(cacheConfigSchema.parse({ embedder: { kind: 'transformers', path: '/models/all-MiniLM-L6-v2' } }).embedder).toEqual({ kind: 'transformers', path: '/models/all-MiniLM-L6-v2', pooling: 'mean', threads: 1, maxBatch: 16 });
    expect(() => cacheConfigSchema.parse({ embedder: { kind: 'transformers', path: '/m', pooling: 'max' } })).toThrow();
    expect(() => cacheConfigSchema.parse({ embedder: { kind: 'transformers' } })).toThrow();
  });
});
