import type { Embedder } from './embedder.js';

/**
 * Remembers the last few embeddings by text, so the store() that follows a missed lookup does not
 * embed the same prompt again (~15–25 ms of CPU with USE-lite). Bounded; oldest forgotten first.
 */
export class EmbeddingMemo {
  readonly #embedder: Embedder;
  readonly #capacity: number;
  readonly #vectors = new Map<string, Float32Array>();

  constructor(embedder: Embedder, capacity = 512) {
    this.#embedder = embedder;
    this.#capacity = capacity;
  }

  /** The text's vector (a copy callers may keep), embedding it if not remembered. */
  async embed(text: string): Promise<Float32Array> {
    const known = this.#vectors.get(text);
    if (known !== undefined) {
      // Re-insert so the entry counts as recently used.
      this.#vectors.delete(text);
      this.#vectors.set(text, known);
      return known.slice();
    }
    const [vector] = await this.#embedder.embed([text]);
    if (vector === undefined || vector.length !== this.#embedder.dimensions) {
      throw new Error(`embedder ${this.#embedder.id} returned no vector of ${this.#embedder.dimensions} dimensions`);
    }
    this.#vectors.set(text, vector);
    if (this.#vectors.size > this.#capacity) {
      const oldest = this.#vectors.keys().next();
      if (oldest.done !== true) this.#vectors.delete(oldest.value);
    }
    return vector.slice();
  }
}
