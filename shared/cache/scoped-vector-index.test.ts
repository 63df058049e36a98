import { describe, expect, it } from 'vitest';
import { normalizeVector } from './embedder.js';
import { ScopedVectorIndex } from './scoped-vector-index.js';

const DIMS = 12;
function vector(seed: number): Float32Array {
  let s = seed;
  return normalizeVector(Float32Array.from({ length: DIMS }, () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5));
}

describe('ScopedVectorIndex', () => {
  it.each([
    ['flat', 10_000],
    ['HNSW', 0],
  ])('%s: finds the same nearest neighbours as a brute-force scan', (_label, annThreshold) => {
    const index = new ScopedVectorIndex(DIMS, { annThreshold });
    const vectors = Array.from({ length: 200 }, (_, i) => vector(i + 1));
    vectors.forEach((v, i) => index.upsert(`id-${i}`, 's', v));
    for (const q of [3, 77, 150]) {
      const query = vector(10_000 + q);
      const brute = vectors
        .map((v, i) => ({ id: `id-${i}`, score: v.reduce((s, x, j) => s + x * (query[j] ?? 0), 0) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 3);
      const found = index.search('s', query, 3);
      expect(found.map((f) => f.id)).toEqual(brute.map((b) => b.id));
      // HNSW stores half precision: its scores are approximate (the store re-scores exactly).
      found.forEach((f, i) => expect(f.score).toBeCloseTo(brute[i]?.score ?? 0, 2));
    }
  });

  it('keeps scopes apart, moves an id on re-upsert and forgets removed ids', () => {
    const index = new ScopedVectorIndex(DIMS, { annThreshold: 2 });
    index.upsert('x', 'a', vector(1));
    index.upsert('y', 'a', vector(2));
    index.upsert('z', 'a', vector(3));
    index.upsert('x', 'b', vector(1));
    expect(index.search('a', vector(1), 5).map((m) => m.id).sort()).toEqual(['y', 'z']);
    expect(index.search('b', vector(1), 5).map((m) => m.id)).toEqual(['x']);
    expect(index.remove('y')).toBe(true);
    expect(index.remove('y')).toBe(false);
    expect(index.search('a', vector(2), 5).map((m) => m.id)).toEqual(['z']);
    expect(index.size).toBe(2);
  });

  it('rejects a vector of the wrong length', () => {
    expect(() => new ScopedVectorIndex(DIMS).upsert('x', 's', new Float32Array(DIMS + 1))).toThrow(RangeError);
  });
});
