import { CacheKeys, tenantHash } from './cache-keys.js';
import { DELETE, EXPIRE, PURGE, UPSERT } from './embedded-vector-scripts.js';
import type { RedisConnection } from './redis-script.js';
import { ScopedVectorIndex } from './scoped-vector-index.js';
import type { VectorEntry, VectorMatch, VectorPayload, VectorStore } from './vector-store.js';

export interface EmbeddedVectorStoreOptions {
  /** Shared Redis client (created by the entry point). */
  readonly redis: RedisConnection;
  readonly keyPrefix: string;
  /** One collection per embedding model: `vectorCollectionName(embedder)`. */
  readonly collection: string;
  readonly dimensions: number;
  /** Clock, epoch ms (tests move it to expire entries). */
  readonly now?: () => number;
  /** Scope size past which a scope moves from the exact scan to an HNSW graph (default: never). */
  readonly annThreshold?: number;
}

/** Extra neighbours fetched per search so entries deleted elsewhere do not crowd out live ones. */
const STALE_SLACK = 4;
/** Redis keeps an entry hash this long past its expiry, so the sweep still finds its tenant. */
const REDIS_GRACE_MS = 3_600_000;
/** Tombstones stay in the change log this long; a process offline longer self-heals on search. */
const TOMBSTONE_RETENTION_MS = 86_400_000;
const BATCH = 500;
/** Opt-in HNSW scores are half precision (~1e-3 off); candidates this close to minScore are re-scored exactly. */
const APPROXIMATION_MARGIN = 0.01;

/**
 * The default vector store: an in-process index (scoped-vector-index.ts) over entries persisted in
 * Redis, so a restart or another API process rebuilds the same cache.
 *
 * Consistency: every write goes through a Lua script that bumps a per-collection change counter
 * (`seq`) and logs the entry id at that seq. Each search reads `seq` in the same round trip as it
 * confirms its candidates; if another process wrote since this one last caught up, it replays the
 * log from its cursor and searches again. So a search sees every upsert and delete that completed
 * before its own round trip reached Redis — no staleness window between processes — at the cost of one Redis round trip per search, which is also what
 * reads the payloads. Candidates are confirmed against Redis (exists, same scope, unexpired), so a
 * purge or delete by any process takes effect at once even for vectors still in local memory.
 */
export class EmbeddedVectorStore implements VectorStore {
  readonly #redis: RedisConnection;
  readonly #keys: CacheKeys;
  readonly #collection: string;
  readonly #dimensions: number;
  readonly #now: () => number;
  readonly #index: ScopedVectorIndex;
  #cursor = 0;
  #loading: Promise<void> | undefined;
  #syncing: Promise<void> | undefined;

  constructor(options: EmbeddedVectorStoreOptions) {
    this.#redis = options.redis;
    this.#keys = new CacheKeys(options.keyPrefix);
    this.#collection = options.collection;
    this.#dimensions = options.dimensions;
    this.#now = options.now ?? Date.now;
    this.#index = new ScopedVectorIndex(options.dimensions, { annThreshold: options.annThreshold });
  }

  /** Loads every persisted entry into memory (once; every other method awaits it first). */
  ready(): Promise<void> {
    this.#loading ??= this.#sync().catch((error: unknown) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }

  /** Vectors held in this process's memory (may include entries expired since the last sweep). */
  get loadedCount(): number {
    return this.#index.size;
  }

  async upsert(entries: readonly VectorEntry[]): Promise<void> {
    await this.ready();
    for (const entry of entries) {
      if (entry.vector.length !== this.#dimensions) {
        throw new RangeError(`vector has ${entry.vector.length} dimensions, expected ${this.#dimensions}`);
      }
    }
    for (let start = 0; start < entries.length; start += BATCH) {
      const chunk = entries.slice(start, start + BATCH);
      const keys = [...this.#fixedKeys()];
      const args: Array<string | number | Buffer> = [chunk.length];
      const now = this.#now();
      for (const entry of chunk) {
        const th = tenantHash(entry.tenant);
        keys.push(this.#keys.vectorEntry(this.#collection, entry.id), this.#keys.vectorTenant(this.#collection, th));
        const ttlMs = Math.max(1, Math.ceil(entry.expiresAtMs - now)) + REDIS_GRACE_MS;
        const bytes = Buffer.from(entry.vector.buffer, entry.vector.byteOffset, entry.vector.byteLength);
        args.push(entry.id, entry.scope, entry.tenant, th, entry.expiresAtMs, ttlMs, bytes, JSON.stringify(entry.payload));
      }
      const reply = await UPSERT.run(this.#redis, keys, args);
      this.#index.upsertMany(chunk.filter((e) => e.expiresAtMs > now).map((e) => ({ id: e.id, scope: e.scope, vector: e.vector.slice() })));
      for (const entry of chunk) if (entry.expiresAtMs <= now) this.#index.remove(entry.id);
      // Our writes were the next changes after the cursor: nothing by others was skipped.
      const [first, last] = Array.isArray(reply) ? reply.map(Number) : [];
      if (first === this.#cursor + 1 && last !== undefined) this.#cursor = last;
    }
  }

  async search(scope: string, vector: Float32Array, k: number, minScore: number): Promise<VectorMatch[]> {
    await this.ready();
    for (let attempt = 0; ; attempt++) {
      // The index may hold half-precision vectors: admit candidates a little below minScore and
      // decide on the exact score computed from the stored float32 vector.
      const candidates = this.#index.search(scope, vector, k + STALE_SLACK).filter((c) => c.score >= minScore - APPROXIMATION_MARGIN);
      const pipeline = this.#redis.pipeline().get(`${this.#base()}:seq`);
      for (const c of candidates) pipeline.hmgetBuffer(this.#keys.vectorEntry(this.#collection, c.id), 'scope', 'exp', 'payload', 'vec');
      const replies = (await pipeline.exec()) ?? [];
      const seq = Number(replyValue(replies[0]) ?? 0);
      if (seq > this.#cursor && attempt < 3) {
        await this.#sync();
        continue;
      }
      const now = this.#now();
      const matches: VectorMatch[] = [];
      candidates.forEach((candidate, i) => {
        const fields = replyValue(replies[i + 1]);
        const [entryScope, exp, payload, vec] = Array.isArray(fields) ? fields : [];
        if (!Buffer.isBuffer(entryScope)) {
          // Deleted by another process (its tombstone may not have reached us): forget it.
          this.#index.remove(candidate.id);
          return;
        }
        const parsed = Buffer.isBuffer(payload) ? parsePayload(payload.toString()) : undefined;
        const stored = Buffer.isBuffer(vec) ? this.#vectorFrom(vec) : undefined;
        if (entryScope.toString() !== scope || Number(String(exp)) <= now || parsed === undefined || stored === undefined) return;
        const score = dot(stored, vector);
        if (score >= minScore) matches.push({ id: candidate.id, score, payload: parsed });
      });
      return matches.sort((a, b) => b.score - a.score).slice(0, k);
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    await this.ready();
    for (let start = 0; start < ids.length; start += BATCH) {
      const chunk = ids.slice(start, start + BATCH);
      await DELETE.run(this.#redis, this.#fixedKeys(), [this.#now(), ...this.#prefixes(), ...chunk]);
      for (const id of chunk) this.#index.remove(id);
    }
  }

  async purge(tenant: string): Promise<number> {
    await this.ready();
    const tenantSet = this.#keys.vectorTenant(this.#collection, tenantHash(tenant));
    let removed = 0;
    for (;;) {
      const ids = await PURGE.run(this.#redis, [...this.#fixedKeys(), tenantSet], [this.#now(), ...this.#prefixes(), BATCH]);
      if (!Array.isArray(ids) || ids.length === 0) return removed;
      for (const id of ids) this.#index.remove(String(id));
      removed += ids.length;
    }
  }

  async expire(): Promise<number> {
    await this.ready();
    let removed = 0;
    for (;;) {
      const now = this.#now();
      const args = [now, ...this.#prefixes(), BATCH, now - TOMBSTONE_RETENTION_MS];
      const ids = await EXPIRE.run(this.#redis, this.#fixedKeys(), args);
      if (!Array.isArray(ids) || ids.length === 0) return removed;
      for (const id of ids) this.#index.remove(String(id));
      removed += ids.length;
    }
  }

  async size(): Promise<number> {
    return await this.#redis.zcount(`${this.#base()}:exp`, `(${this.#now()}`, '+inf');
  }

  #base(): string {
    return this.#keys.vectorBase(this.#collection);
  }

  #fixedKeys(): string[] {
    const base = this.#base();
    return [`${base}:seq`, `${base}:log`, `${base}:exp`, `${base}:tomb`];
  }

  #prefixes(): [string, string] {
    return [this.#keys.vectorEntry(this.#collection, ''), this.#keys.vectorTenant(this.#collection, '')];
  }

  /** A stored vector, copied to an aligned buffer (Redis replies may start at any byte offset). */
  #vectorFrom(bytes: Buffer): Float32Array | undefined {
    if (bytes.length !== this.#dimensions * 4) return undefined;
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  }

  /** Replays the change log after the cursor into memory (single-flight). */
  #sync(): Promise<void> {
    this.#syncing ??= this.#catchUp().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #catchUp(): Promise<void> {
    const base = this.#base();
    const replies = (await this.#redis.multi().get(`${base}:seq`).zrangebyscore(`${base}:log`, `(${this.#cursor}`, '+inf').exec()) ?? [];
    const seq = Number(replyValue(replies[0]) ?? 0);
    const changed = replyValue(replies[1]);
    const ids = Array.isArray(changed) ? changed.map(String) : [];
    for (let start = 0; start < ids.length; start += BATCH) {
      const chunk = ids.slice(start, start + BATCH);
      const pipeline = this.#redis.pipeline();
      for (const id of chunk) pipeline.hmgetBuffer(this.#keys.vectorEntry(this.#collection, id), 'scope', 'exp', 'vec');
      const rows = (await pipeline.exec()) ?? [];
      const now = this.#now();
      const live: Array<{ id: string; scope: string; vector: Float32Array }> = [];
      chunk.forEach((id, i) => {
        const fields = replyValue(rows[i]);
        const [scope, exp, vec] = Array.isArray(fields) ? fields : [];
        const vector = Buffer.isBuffer(vec) ? this.#vectorFrom(vec) : undefined;
        if (Buffer.isBuffer(scope) && vector !== undefined && Number(String(exp)) > now) live.push({ id, scope: scope.toString(), vector });
        else this.#index.remove(id);
      });
      this.#index.upsertMany(live);
    }
    this.#cursor = Math.max(this.#cursor, seq);
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

function replyValue(reply: [Error | null, unknown] | undefined): unknown {
  if (reply === undefined) return undefined;
  if (reply[0] !== null) throw reply[0];
  return reply[1];
}

function parsePayload(json: string): VectorPayload | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as VectorPayload) : undefined;
  } catch {
    return undefined;
  }
}
