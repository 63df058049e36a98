import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VectorEntry, VectorStore } from '../../shared/cache/vector-store.js';

/** One empty backend namespace (a key prefix, a collection); `open` gives a new store instance on it. */
export interface ConformanceBackend {
  /** Each call is a new instance, as a restarted or second API process would create. */
  open(now: () => number): Promise<VectorStore>;
}

export interface ConformanceHarness {
  readonly dimensions: number;
  fresh(): Promise<ConformanceBackend>;
}

const T0 = 1_750_000_000_000;

/**
 * The contract every VectorStore backend must meet (see shared/cache/vector-store.ts). Call it from
 * one test file per backend; the harness isolates each test in its own namespace.
 */
export function vectorStoreConformance(name: string, harness: () => ConformanceHarness): void {
  describe(`VectorStore conformance: ${name}`, () => {
    const setup = async (): Promise<{ store: VectorStore; backend: ConformanceBackend; clock: { now: number }; h: ConformanceHarness }> => {
      const h = harness();
      const backend = await h.fresh();
      const clock = { now: T0 };
      return { store: await backend.open(() => clock.now), backend, clock, h };
    };

    it('returns an upserted entry with its payload and a cosine score near 1 for its own vector', async () => {
      const { store, h } = await setup();
      const e = entry(h.dimensions, 1, { payload: { text: 'hello', n: 3 } });
      await store.upsert([e]);
      const found = await store.search('s', e.vector, 3, 0.5);
      expect(found).toHaveLength(1);
      expect(found[0]?.id).toBe(e.id);
      expect(found[0]?.score).toBeCloseTo(1, 4);
      expect(found[0]?.payload).toEqual({ text: 'hello', n: 3 });
    });

    it('orders matches best first and honours k and minScore', async () => {
      const { store, h } = await setup();
      const query = unitVector(h.dimensions, 7);
      const entries = [0.05, 0.3, 0.9, 2].map((noise, i) => entry(h.dimensions, 0, { vector: perturb(query, noise, 100 + i), payload: { rank: i } }));
      await store.upsert(entries);
      const scores = entries.map((e) => cosine(query, e.vector));
      const top2 = await store.search('s', query, 2, -1);
      expect(top2.map((m) => m.payload.rank)).toEqual([0, 1]);
      expect(top2[0]?.score).toBeCloseTo(scores[0] ?? 0, 3);
      const minScore = ((scores[1] ?? 0) + (scores[2] ?? 0)) / 2;
      const above = await store.search('s', query, 10, minScore);
      expect(above.map((m) => m.payload.rank)).toEqual([0, 1]);
    });

    it('never returns an entry of another scope, even with an identical vector', async () => {
      const { store, h } = await setup();
      const a = entry(h.dimensions, 2, { scope: 'scope-a' });
      const b = { ...entry(h.dimensions, 2, { scope: 'scope-b' }), vector: a.vector };
      await store.upsert([a, b]);
      expect((await store.search('scope-a', a.vector, 5, 0)).map((m) => m.id)).toEqual([a.id]);
      expect((await store.search('scope-b', a.vector, 5, 0)).map((m) => m.id)).toEqual([b.id]);
      expect(await store.search('scope-c', a.vector, 5, 0)).toEqual([]);
    });

    it('replaces an entry upserted again under the same id', async () => {
      const { store, h } = await setup();
      const first = entry(h.dimensions, 3, { payload: { v: 1 } });
      const second = { ...entry(h.dimensions, 4, { payload: { v: 2 } }), id: first.id };
      await store.upsert([first]);
      await store.upsert([second]);
      const found = await store.search('s', second.vector, 5, -1);
      expect(found.map((m) => [m.id, m.payload.v])).toEqual([[first.id, 2]]);
      expect(await store.size()).toBe(1);
    });

    it('hides an entry once its expiry passes, and expire() removes only expired entries', async () => {
      const { store, h, clock } = await setup();
      const short = entry(h.dimensions, 5, { expiresAtMs: T0 + 1_000 });
      const long = entry(h.dimensions, 6, { expiresAtMs: T0 + 60_000 });
      await store.upsert([short, long]);
      expect(await store.search('s', short.vector, 1, 0.99)).toHaveLength(1);
      clock.now = T0 + 1_001;
      expect(await store.search('s', short.vector, 1, 0.99)).toEqual([]);
      expect(await store.size()).toBe(1);
      expect(await store.expire()).toBe(1);
      expect(await store.expire()).toBe(0);
      expect((await store.search('s', long.vector, 1, 0.99)).map((m) => m.id)).toEqual([long.id]);
    });

    it('deletes entries by id and ignores unknown ids', async () => {
      const { store, h } = await setup();
      const a = entry(h.dimensions, 8);
      const b = entry(h.dimensions, 9);
      await store.upsert([a, b]);
      await store.delete([a.id, randomUUID()]);
      expect(await store.search('s', a.vector, 1, 0.99)).toEqual([]);
      expect((await store.search('s', b.vector, 1, 0.99)).map((m) => m.id)).toEqual([b.id]);
      expect(await store.size()).toBe(1);
    });

    it("purges one tenant's entries in every scope and leaves other tenants alone", async () => {
      const { store, h } = await setup();
      const mine = [entry(h.dimensions, 10, { tenant: 'team:a', scope: 's1' }), entry(h.dimensions, 11, { tenant: 'team:a', scope: 's2' })];
      const theirs = entry(h.dimensions, 10, { tenant: 'team:b', scope: 's1' });
      await store.upsert([...mine, theirs]);
      expect(await store.purge('team:a')).toBe(2);
      expect(await store.search('s2', mine[1]?.vector ?? new Float32Array(), 5, 0)).toEqual([]);
      expect((await store.search('s1', theirs.vector, 5, 0)).map((m) => m.id)).toEqual([theirs.id]);
      expect(await store.size()).toBe(1);
      expect(await store.purge('team:a')).toBe(0);
    });

    it('persists entries across a new instance (restart)', async () => {
      const { store, backend, h, clock } = await setup();
      const e = entry(h.dimensions, 12, { payload: { kept: true } });
      await store.upsert([e]);
      const restarted = await backend.open(() => clock.now);
      const found = await restarted.search('s', e.vector, 1, 0.99);
      expect(found.map((m) => [m.id, m.payload.kept])).toEqual([[e.id, true]]);
      expect(await restarted.size()).toBe(1);
    });

    it("shows a second instance the first one's later writes, deletes and purges", async () => {
      const { store: first, backend, h, clock } = await setup();
      const second = await backend.open(() => clock.now);
      const a = entry(h.dimensions, 13, { tenant: 'team:x' });
      expect(await second.search('s', a.vector, 1, 0.9)).toEqual([]);
      await first.upsert([a]);
      expect((await second.search('s', a.vector, 1, 0.9)).map((m) => m.id)).toEqual([a.id]);
      await first.delete([a.id]);
      expect(await second.search('s', a.vector, 1, 0.9)).toEqual([]);
      const b = entry(h.dimensions, 14, { tenant: 'team:x' });
      await second.upsert([b]);
      expect((await first.search('s', b.vector, 1, 0.9)).map((m) => m.id)).toEqual([b.id]);
      await first.purge('team:x');
      expect(await second.search('s', b.vector, 1, 0.9)).toEqual([]);
    });

    it('rejects a vector of the wrong length', async () => {
      const { store, h } = await setup();
      await expect(store.upsert([entry(h.dimensions + 1, 15)])).rejects.toThrow(/dimensions/);
    });
  });
}

function entry(dimensions: number, seed: number, over: Partial<VectorEntry> = {}): VectorEntry {
  return {
    id: randomUUID(),
    scope: 's',
    tenant: 'team:t',
    vector: unitVector(dimensions, seed),
    payload: { seed },
    expiresAtMs: T0 + 3_600_000,
    ...over,
  };
}

/** Deterministic pseudo-random unit vector. */
export function unitVector(dimensions: number, seed: number): Float32Array {
  let state = seed * 2654435761 + 12345;
  const v = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    v[i] = state / 2147483648 - 0.5;
  }
  return normalize(v);
}

function perturb(v: Float32Array, noise: number, seed: number): Float32Array {
  const n = unitVector(v.length, seed);
  return normalize(v.map((x, i) => x + noise * (n[i] ?? 0)));
}

function normalize(v: Float32Array): Float32Array {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
}

function cosine(a: Float32Array, b: Float32Array): number {
  return a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
}
