/**
 * Turns prompt texts into vectors. Implementations return unit-length vectors, so cosine similarity
 * is a dot product, and batch concurrent calls themselves.
 */
export interface Embedder {
  /** Names the model and its version: vectors from different ids are never compared. */
  readonly id: string;
  /** Length of every vector returned. */
  readonly dimensions: number;
  /** One vector per text, in order. Rejects if the model fails; never returns partial results. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/**
 * The collection (Qdrant) or key namespace (embedded store) for one embedder's vectors:
 * `switchyard-cache-<id>-<dimensions>`, restricted to characters both accept.
 */
export function vectorCollectionName(embedder: Pick<Embedder, 'id' | 'dimensions'>): string {
  const id = embedder.id.toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
  return `switchyard-cache-${id}-${embedder.dimensions}`;
}

/** Scales a vector to unit length in place (a zero vector stays zero) and returns it. */
export function normalizeVector(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}
