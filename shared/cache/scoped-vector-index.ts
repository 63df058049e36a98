import { exactSearch, Index, MetricKind, ScalarKind } from 'usearch';

/**
 * Scopes larger than this move from an exact scan to an HNSW graph. Off by default: measured here
 * (bench/cache/RESULTS.md), the exact SIMD scan answers 100k entries in ~11 ms with perfect recall
 * and rebuilds in seconds, while building an HNSW graph of 100k 512-d vectors takes over a minute on
 * two cores — paid again by every process start.
 */
const DEFAULT_ANN_THRESHOLD = Number.POSITIVE_INFINITY;

interface FlatScope {
  kind: 'flat';
  ids: string[];
  /** Row i is ids[i]'s vector; rows past ids.length are spare capacity. */
  rows: Float32Array;
}

interface AnnScope {
  kind: 'ann';
  index: Index;
  idOfLabel: Map<bigint, string>;
  labelOfId: Map<string, bigint>;
  nextLabel: bigint;
}

/**
 * In-process nearest-neighbour index, one independent index per scope.
 *
 * One index per scope (rather than one global index filtered by scope) makes isolation structural:
 * a search can only ever visit its own scope's vectors, and a small scope is not starved by a
 * post-filter on a big shared graph (an HNSW search returns k neighbours before any filter runs).
 * A scope is scanned exactly with usearch's SIMD brute force over a dense float32 matrix (~1 ms per
 * 10k vectors of 512 dims); optionally, a scope past `annThreshold` moves into a usearch HNSW graph
 * (half precision, approximate). Vectors must be unit length (score = cosine).
 */
export class ScopedVectorIndex {
  readonly #dimensions: number;
  readonly #annThreshold: number;
  readonly #scopes = new Map<string, FlatScope | AnnScope>();
  readonly #scopeOfId = new Map<string, string>();

  constructor(dimensions: number, options: { annThreshold?: number } = {}) {
    this.#dimensions = dimensions;
    this.#annThreshold = options.annThreshold ?? DEFAULT_ANN_THRESHOLD;
  }

  /** Number of vectors held, all scopes. */
  get size(): number {
    return this.#scopeOfId.size;
  }

  has(id: string): boolean {
    return this.#scopeOfId.has(id);
  }

  /** Adds or replaces the vector of `id` (moving it if its scope changed). */
  upsert(id: string, scope: string, vector: Float32Array): void {
    this.upsertMany([{ id, scope, vector }]);
  }

  /**
   * Adds or replaces many vectors; into an HNSW scope they go as one multi-threaded batch, which is
   * what keeps rebuilding a large cache at start-up in seconds rather than minutes.
   */
  upsertMany(items: ReadonlyArray<{ id: string; scope: string; vector: Float32Array }>): void {
    for (const item of items) {
      if (item.vector.length !== this.#dimensions) {
        throw new RangeError(`vector has ${item.vector.length} dimensions, expected ${this.#dimensions}`);
      }
    }
    // The last write of an id wins, as it would one call at a time.
    const latest = new Map(items.map((item) => [item.id, item]));
    const byScope = new Map<string, Array<{ id: string; vector: Float32Array }>>();
    for (const { id, scope, vector } of latest.values()) {
      this.remove(id);
      this.#scopeOfId.set(id, scope);
      const list = byScope.get(scope) ?? [];
      list.push({ id, vector });
      byScope.set(scope, list);
    }
    for (const [scope, list] of byScope) {
      const entry = this.#scopes.get(scope) ?? { kind: 'flat', ids: [], rows: new Float32Array(this.#dimensions * 4) };
      if (entry.kind === 'flat' && entry.ids.length + list.length <= this.#annThreshold) {
        for (const { id, vector } of list) this.#appendFlat(entry, id, vector);
        this.#scopes.set(scope, entry);
        continue;
      }
      const ann = entry.kind === 'ann' ? entry : this.#toAnn(entry);
      addManyToAnn(ann, list);
      this.#scopes.set(scope, ann);
    }
  }

  #appendFlat(entry: FlatScope, id: string, vector: Float32Array): void {
    const at = entry.ids.length;
    if ((at + 1) * this.#dimensions > entry.rows.length) {
      const grown = new Float32Array(Math.max(entry.rows.length * 2, this.#dimensions * 4));
      grown.set(entry.rows);
      entry.rows = grown;
    }
    entry.rows.set(vector, at * this.#dimensions);
    entry.ids.push(id);
  }

  /** Removes `id`; returns whether it was held. */
  remove(id: string): boolean {
    const scope = this.#scopeOfId.get(id);
    if (scope === undefined) return false;
    this.#scopeOfId.delete(id);
    const entry = this.#scopes.get(scope);
    if (entry === undefined) return true;
    if (entry.kind === 'ann') {
      const label = entry.labelOfId.get(id);
      if (label !== undefined) {
        entry.index.remove(label);
        entry.labelOfId.delete(id);
        entry.idOfLabel.delete(label);
      }
      if (entry.labelOfId.size === 0) this.#scopes.delete(scope);
      return true;
    }
    // Swap-remove keeps rows dense.
    const at = entry.ids.indexOf(id);
    const lastAt = entry.ids.length - 1;
    if (at !== lastAt) {
      entry.ids[at] = entry.ids[lastAt] ?? '';
      entry.rows.copyWithin(at * this.#dimensions, lastAt * this.#dimensions, (lastAt + 1) * this.#dimensions);
    }
    entry.ids.pop();
    if (entry.ids.length === 0) this.#scopes.delete(scope);
    return true;
  }

  /** Up to k nearest ids of one scope, best first, with cosine scores. */
  search(scope: string, vector: Float32Array, k: number): Array<{ id: string; score: number }> {
    const entry = this.#scopes.get(scope);
    if (entry === undefined || k <= 0) return [];
    if (entry.kind === 'ann') {
      // A fresh, zero-offset copy: usearch has read typed arrays ignoring byteOffset (see research notes).
      const matches = entry.index.search(vector.slice(), k, 1);
      const out: Array<{ id: string; score: number }> = [];
      matches.keys.forEach((label, i) => {
        const id = entry.idOfLabel.get(label);
        if (id !== undefined) out.push({ id, score: 1 - (matches.distances[i] ?? 1) });
      });
      return out;
    }
    const count = entry.ids.length;
    // A zero-offset view of the used rows and a fresh query copy: usearch has read typed arrays
    // ignoring byteOffset (research notes), so nothing passed to it may be an offset view.
    const rows = entry.rows.subarray(0, count * this.#dimensions);
    const result = exactSearch(rows, vector.slice(), this.#dimensions, Math.min(k, count), MetricKind.Cos, 1);
    const matches = 'counts' in result ? result.get(0) : result;
    const out: Array<{ id: string; score: number }> = [];
    matches.keys.forEach((row, i) => {
      const id = entry.ids[Number(row)];
      if (id !== undefined) out.push({ id, score: 1 - (matches.distances[i] ?? 1) });
    });
    return out;
  }

  #toAnn(flat: FlatScope): AnnScope {
    const ann: AnnScope = {
      kind: 'ann',
      index: new Index({
        dimensions: this.#dimensions,
        metric: MetricKind.Cos,
        // Half precision: half the memory, ~2x faster inserts; scores are re-computed exactly by
        // the store from the stored float32 vector, so only candidate order near ties is affected.
        quantization: ScalarKind.F16,
        connectivity: 16,
        expansion_add: 64,
        expansion_search: 128,
        multi: false,
      }),
      idOfLabel: new Map(),
      labelOfId: new Map(),
      nextLabel: 0n,
    };
    addManyToAnn(
      ann,
      flat.ids.map((id, row) => ({ id, vector: flat.rows.slice(row * this.#dimensions, (row + 1) * this.#dimensions) })),
    );
    return ann;
  }
}

function addManyToAnn(ann: AnnScope, items: ReadonlyArray<{ id: string; vector: Float32Array }>): void {
  if (items.length === 0) return;
  // Labels are never reused: usearch rejects a key it still holds, and removal is lazy in HNSW.
  const labels = new BigUint64Array(items.length);
  items.forEach(({ id }, i) => {
    const label = ann.nextLabel++;
    labels[i] = label;
    ann.labelOfId.set(id, label);
    ann.idOfLabel.set(label, id);
  });
  // Fresh zero-offset copies (usearch has ignored byteOffset); 0 threads = all cores.
  ann.index.add(labels, items.map(({ vector }) => vector.slice()), 0);
}
