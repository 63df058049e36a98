import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import { z } from 'zod';
import type { VectorEntry, VectorMatch, VectorStore } from './vector-store.js';

export interface QdrantVectorStoreOptions {
  /** A QdrantClient created by the entry point (url, apiKey). */
  readonly client: QdrantClient;
  /** One collection per embedding model: `vectorCollectionName(embedder)` (its name carries the dimensions). */
  readonly collection: string;
  readonly dimensions: number;
  /** Clock, epoch ms. */
  readonly now?: () => number;
}

/**
 * Point payload layout. `scope`, `tenant` and `expiresAtMs` are indexed fields the store filters on;
 * the caller's payload is nested under `data` so its keys can never collide with them.
 */
const pointPayload = z.object({
  scope: z.string(),
  tenant: z.string(),
  expiresAtMs: z.number(),
  data: z.record(z.string(), z.unknown()),
});

/**
 * Vector store on Qdrant: one collection per embedding model, cosine distance, a keyword index on
 * scope and tenant and an integer index on expiry. Every search filters on scope and unexpired
 * entries, so expiry is exact even before `expire()` deletes the points. Writes wait for Qdrant to
 * apply them (`wait: true`), so they are visible to every process when `upsert` resolves.
 */
export class QdrantVectorStore implements VectorStore {
  readonly #client: QdrantClient;
  readonly #collection: string;
  readonly #dimensions: number;
  readonly #now: () => number;
  #ready: Promise<void> | undefined;

  constructor(options: QdrantVectorStoreOptions) {
    this.#client = options.client;
    this.#collection = options.collection;
    this.#dimensions = options.dimensions;
    this.#now = options.now ?? Date.now;
  }

  /** Creates the collection and its payload indexes if missing (once; other methods await it). */
  ready(): Promise<void> {
    this.#ready ??= this.#ensureCollection().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async upsert(entries: readonly VectorEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.ready();
    const points = entries.map((entry) => {
      if (entry.vector.length !== this.#dimensions) {
        throw new RangeError(`vector has ${entry.vector.length} dimensions, expected ${this.#dimensions}`);
      }
      const payload: z.input<typeof pointPayload> = {
        scope: entry.scope,
        tenant: entry.tenant,
        expiresAtMs: entry.expiresAtMs,
        data: { ...entry.payload },
      };
      return { id: entry.id, vector: Array.from(entry.vector), payload };
    });
    await this.#client.upsert(this.#collection, { wait: true, points });
  }

  async search(scope: string, vector: Float32Array, k: number, minScore: number): Promise<VectorMatch[]> {
    await this.ready();
    const result = await this.#client.query(this.#collection, {
      query: Array.from(vector),
      filter: { must: [{ key: 'scope', match: { value: scope } }, this.#unexpired()] },
      score_threshold: minScore,
      limit: k,
      with_payload: true,
    });
    const matches: VectorMatch[] = [];
    for (const point of result.points) {
      const payload = pointPayload.safeParse(point.payload);
      // Re-check scope and expiry: a result outside them must never be served, whatever the server did.
      if (!payload.success || payload.data.scope !== scope || payload.data.expiresAtMs <= this.#now()) continue;
      matches.push({ id: String(point.id), score: point.score, payload: payload.data.data });
    }
    return matches;
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.ready();
    await this.#client.delete(this.#collection, { wait: true, points: [...ids] });
  }

  async purge(tenant: string): Promise<number> {
    return await this.#deleteWhere({ must: [{ key: 'tenant', match: { value: tenant } }] });
  }

  async expire(): Promise<number> {
    return await this.#deleteWhere({ must: [{ key: 'expiresAtMs', range: { lte: this.#now() } }] });
  }

  async size(): Promise<number> {
    await this.ready();
    const { count } = await this.#client.count(this.#collection, { filter: { must: [this.#unexpired()] }, exact: true });
    return count;
  }

  #unexpired(): { key: string; range: { gt: number } } {
    return { key: 'expiresAtMs', range: { gt: this.#now() } };
  }

  /** Counts, then deletes by the same filter; the count is best effort if writes race with it. */
  async #deleteWhere(filter: Schemas['Filter']): Promise<number> {
    await this.ready();
    const { count } = await this.#client.count(this.#collection, { filter, exact: true });
    if (count > 0) await this.#client.delete(this.#collection, { wait: true, filter });
    return count;
  }

  async #ensureCollection(): Promise<void> {
    const { exists } = await this.#client.collectionExists(this.#collection);
    if (!exists) {
      try {
        await this.#client.createCollection(this.#collection, { vectors: { size: this.#dimensions, distance: 'Cosine' } });
      } catch (error) {
        // Another process may have created it between the check and the create.
        if (!(await this.#client.collectionExists(this.#collection)).exists) throw error;
      }
    }
    // Creating an index that exists is accepted by Qdrant, so every process may run this.
    for (const [field, schema] of [['scope', 'keyword'], ['tenant', 'keyword'], ['expiresAtMs', 'integer']] as const) {
      await this.#client.createPayloadIndex(this.#collection, { wait: true, field_name: field, field_schema: schema });
    }
  }
}
