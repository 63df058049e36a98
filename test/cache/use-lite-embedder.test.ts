import { beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../shared/cache/embedder.js';
import { useLiteEmbedder } from '../../shared/cache/use-lite-embedder.js';

let embedder: Embedder;

beforeAll(async () => {
  embedder = await useLiteEmbedder();
});

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe('USE-lite embedder', () => {
  it('is loaded once per process: every caller gets the same instance', async () => {
    const [a, b] = await Promise.all([useLiteEmbedder(), useLiteEmbedder()]);
    expect(a).toBe(embedder);
    expect(b).toBe(embedder);
    expect(embedder.id).toBe('use-lite-en-0.2.0');
  });

  it('returns one 512-dimension unit vector per text, in order', async () => {
    const vectors = await embedder.embed(['How do I reset my password?', 'What is the capital of France?']);
    expect(vectors).toHaveLength(2);
    for (const v of vectors) {
      expect(v.length).toBe(512);
      expect(dot(v, v)).toBeCloseTo(1, 4);
    }
    expect(dot(vectors[0] ?? new Float32Array(), vectors[1] ?? new Float32Array())).toBeLessThan(0.5);
  });

  it('gives the same vector for a text whether it was batched with others or not', async () => {
    const [alone] = await embedder.embed(['Where is my order?']);
    const [, , batched] = await Promise.all([
      embedder.embed(['first text']),
      embedder.embed(['second text']),
      embedder.embed(['Where is my order?']),
    ]).then((r) => r.flat());
    expect(dot(alone ?? new Float32Array(), batched ?? new Float32Array())).toBeCloseTo(1, 5);
  });

  it('puts a paraphrase closer than an unrelated question', async () => {
    const [q, para, other] = await embedder.embed(['How do I reset my password?', 'How can I reset my password?', 'Recommend a good sci-fi movie']);
    const zero = new Float32Array(512);
    expect(dot(q ?? zero, para ?? zero)).toBeGreaterThan(0.8);
    expect(dot(q ?? zero, other ?? zero)).toBeLessThan(0.4);
  });
});
