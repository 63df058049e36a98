/** JSON-serialisable payload stored beside a vector. */
export type VectorPayload = Readonly<Record<string, unknown>>;

/** One cached vector. */
export interface VectorEntry {
  /** A UUID (Qdrant accepts UUIDs or integers as point ids). */
  readonly id: string;
  /** Only searches in the same scope see this entry. */
  readonly scope: string;
  /** Team or namespace that owns it (`team:<id>` / `ns:<name>`); purge works on this. */
  readonly tenant: string;
  /** Unit length, `dimensions` long. */
  readonly vector: Float32Array;
  readonly payload: VectorPayload;
  /** Epoch ms after which the entry is never returned. */
  readonly expiresAtMs: number;
}

export interface VectorMatch {
  readonly id: string;
  /** Cosine similarity, higher is closer (1 = same direction). */
  readonly score: number;
  readonly payload: VectorPayload;
}

/**
 * Nearest-neighbour storage for the semantic tier. Every backend runs the same conformance suite
 * (test/cache/vector-store-conformance.ts). An entry is visible to every process sharing the
 * backend once `upsert` resolves; a purged or expired entry is never returned again.
 */
export interface VectorStore {
  /** Inserts or replaces entries by id. */
  upsert(entries: readonly VectorEntry[]): Promise<void>;
  /** Up to `k` unexpired entries of `scope` with score >= minScore, best first. */
  search(scope: string, vector: Float32Array, k: number, minScore: number): Promise<VectorMatch[]>;
  /** Removes entries by id (unknown ids are ignored). */
  delete(ids: readonly string[]): Promise<void>;
  /** Removes every entry of one tenant; returns how many were removed (best effort for remote stores). */
  purge(tenant: string): Promise<number>;
  /** Removes entries whose expiry has passed; returns how many. Searches already skip them. */
  expire(): Promise<number>;
  /** Number of unexpired entries. */
  size(): Promise<number>;
}
