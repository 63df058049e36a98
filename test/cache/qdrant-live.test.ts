import { QdrantClient } from '@qdrant/js-client-rest';
import { randomUUID } from 'node:crypto';
import { afterAll, describe } from 'vitest';
import { QdrantVectorStore } from '../../shared/cache/qdrant-vector-store.js';
import { vectorStoreConformance } from './vector-store-conformance.js';

/** Runs the conformance suite against a real Qdrant when QDRANT_URL (and optionally QDRANT_API_KEY) is set. */
const url = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY;
const DIMENSIONS = 16;
const created: string[] = [];

describe.skipIf(url === undefined)('live Qdrant', () => {
  const client = (): QdrantClient => new QdrantClient({ url, apiKey });

  afterAll(async () => {
    for (const collection of created) await client().deleteCollection(collection);
  });

  vectorStoreConformance('qdrant (live)', () => ({
    dimensions: DIMENSIONS,
    fresh: async () => {
      const collection = `switchyard-cache-livetest-${randomUUID().slice(0, 8)}-${DIMENSIONS}`;
      created.push(collection);
      return { open: async (now) => new QdrantVectorStore({ client: client(), collection, dimensions: DIMENSIONS, now }) };
    },
  }));
});
