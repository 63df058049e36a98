import { QdrantClient } from '@qdrant/js-client-rest';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QdrantVectorStore } from '../../shared/cache/qdrant-vector-store.js';
import { startQdrantMemoryServer, type QdrantMemoryServer } from './qdrant-memory-server.js';
import { vectorStoreConformance } from './vector-store-conformance.js';

const DIMENSIONS = 16;
let server: QdrantMemoryServer;

beforeAll(async () => {
  server = await startQdrantMemoryServer();
});

afterAll(async () => {
  await server.close();
});

/** A client per store instance, as separate API processes would have. */
function client(): QdrantClient {
  return new QdrantClient({ url: server.url });
}

vectorStoreConformance('qdrant (OpenAPI-validated stand-in)', () => ({
  dimensions: DIMENSIONS,
  fresh: async () => {
    const collection = `switchyard-cache-test-${randomUUID().slice(0, 8)}-${DIMENSIONS}`;
    return { open: async (now) => new QdrantVectorStore({ client: client(), collection, dimensions: DIMENSIONS, now }) };
  },
}));

describe('qdrant store against the OpenAPI document', () => {
  it('sent only requests that conform to the document, covering every operation the store uses', async () => {
    const store = new QdrantVectorStore({ client: client(), collection: 'switchyard-cache-ops-16', dimensions: DIMENSIONS });
    await store.ready();
    await store.size();
    expect(server.violations).toEqual([]);
    expect(new Set(server.operations)).toEqual(
      new Set([
        'GET /',
        'GET /collections/{collection_name}/exists',
        'PUT /collections/{collection_name}',
        'PUT /collections/{collection_name}/index',
        'PUT /collections/{collection_name}/points',
        'POST /collections/{collection_name}/points/query',
        'POST /collections/{collection_name}/points/delete',
        'POST /collections/{collection_name}/points/count',
      ]),
    );
  });

  it.each([
    ['a negative limit', { query: [0.1], limit: -1 }],
    ['a misspelt match', { query: [0.1], filter: { must: [{ key: 'scope', match: { valeu: 'x' } }] } }],
    ['a non-numeric range bound', { query: [0.1], filter: { must: [{ key: 'expiresAtMs', range: { gt: 'soon' } }] } }],
  ])('rejects a query with %s (the validator can fail)', async (_label, body) => {
    const before = server.violations.length;
    const response = await fetch(`${server.url}/collections/any/points/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    expect(server.violations.length).toBe(before + 1);
    server.violations.splice(before);
  });

  it('rejects an unknown query parameter', async () => {
    const before = server.violations.length;
    const response = await fetch(`${server.url}/collections/any/points/count?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(server.violations.at(-1)).toMatch(/unknown query parameter wait/);
    server.violations.splice(before);
  });
});
