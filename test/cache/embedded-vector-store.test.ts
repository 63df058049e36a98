import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedVectorStore } from '../../shared/cache/embedded-vector-store.js';
import { deletePrefix, testPrefix, testRedis } from '../helpers/test-redis.js';
import { unitVector, vectorStoreConformance } from './vector-store-conformance.js';

const DIMENSIONS = 16;
const prefixes: string[] = [];
const clients: Redis[] = [];
const admin = testRedis();

/** Each instance gets its own connection, as another API process would. */
function openStore(prefix: string, now: () => number, annThreshold?: number): EmbeddedVectorStore {
  const redis = testRedis();
  clients.push(redis);
  return new EmbeddedVectorStore({ redis, keyPrefix: prefix, collection: 'conformance-16', dimensions: DIMENSIONS, now, annThreshold });
}

afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(admin, prefix);
  for (const client of clients) client.disconnect();
  admin.disconnect();
});

describe.each([
  ['exact scan', undefined],
  ['HNSW (usearch) from the first entry', 0],
])('embedded store, %s', (_label, annThreshold) => {
  vectorStoreConformance(`embedded (${_label})`, () => ({
    dimensions: DIMENSIONS,
    fresh: async () => {
      const prefix = testPrefix('vs');
      prefixes.push(prefix);
      return { open: async (now) => openStore(prefix, now, annThreshold) };
    },
  }));
});

describe('embedded store specifics', () => {
  it('finds the exact neighbour after a scope moves from flat scan to HNSW, and after a restart rebuilds it', async () => {
    const prefix = testPrefix('vs');
    prefixes.push(prefix);
    const store = openStore(prefix, Date.now, 8);
    const entries = Array.from({ length: 40 }, (_, i) => ({
      id: crypto.randomUUID(),
      scope: 'big',
      tenant: 'team:t',
      vector: unitVector(DIMENSIONS, 1000 + i),
      payload: { i },
      expiresAtMs: Date.now() + 60_000,
    }));
    await store.upsert(entries);
    const restarted = openStore(prefix, Date.now, 8);
    for (const s of [store, restarted]) {
      for (const i of [0, 17, 39]) {
        const [best] = await s.search('big', entries[i]?.vector ?? new Float32Array(), 1, 0.5);
        expect(best?.payload.i).toBe(i);
      }
    }
    expect(restarted.loadedCount).toBe(40);
  });

  it.each([
    ['exact scan', undefined],
    ['HNSW', 0],
  ])('%s: searches correctly with a query vector that is a view at a non-zero byte offset', async (_label, annThreshold) => {
    const prefix = testPrefix('vs');
    prefixes.push(prefix);
    const store = openStore(prefix, Date.now, annThreshold);
    const target = unitVector(DIMENSIONS, 77);
    const other = unitVector(DIMENSIONS, 78);
    const now = Date.now();
    await store.upsert([
      { id: crypto.randomUUID(), scope: 's', tenant: 'team:t', vector: target, payload: { which: 'target' }, expiresAtMs: now + 60_000 },
      { id: crypto.randomUUID(), scope: 's', tenant: 'team:t', vector: other, payload: { which: 'other' }, expiresAtMs: now + 60_000 },
    ]);
    // The query lives after `other` in one buffer: a library ignoring byteOffset would read `other`.
    const backing = new Float32Array(DIMENSIONS * 2);
    backing.set(other, 0);
    backing.set(target, DIMENSIONS);
    const [best] = await store.search('s', backing.subarray(DIMENSIONS), 1, 0.5);
    expect(best?.payload.which).toBe('target');
  });

  it('forgets a vector whose Redis entry vanished without a logged tombstone', async () => {
    const prefix = testPrefix('vs');
    prefixes.push(prefix);
    const store = openStore(prefix, Date.now);
    const e = { id: crypto.randomUUID(), scope: 's', tenant: 'team:t', vector: unitVector(DIMENSIONS, 5), payload: {}, expiresAtMs: Date.now() + 60_000 };
    await store.upsert([e]);
    const keys = await admin.keys(`${prefix}:cache:v:*:e:${e.id}`);
    expect(keys).toHaveLength(1);
    await admin.del(...keys);
    expect(await store.search('s', e.vector, 1, 0.5)).toEqual([]);
    expect(store.loadedCount).toBe(0);
  });
});
