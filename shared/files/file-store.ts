import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { GatewayError } from '../errors/gateway-error.js';
import { FileKeys, partObjectKey } from './file-keys.js';
import { fileFromHash, fileToHash, type FileRecord } from './file-record.js';
import type { FileStorage } from './file-storage.js';
import { TeamIndex, type Page, type PageQuery } from './team-index.js';
import { pipelinePerKey } from '../redis/pipeline-per-key.js';

/**
 * ADD_REF — a batch starts reading a file: only if the file exists, belongs to the team and is batch input.
 * KEYS[1] file hash, KEYS[2] its refs set. ARGV[1] team, ARGV[2] batch id.
 * Returns 'ok', 'missing' (no such file for that team) or 'purpose' (not a batch input file).
 */
const ADD_REF_SCRIPT = `
if redis.call('HGET', KEYS[1], 'team') ~= ARGV[1] then return 'missing' end
if redis.call('HGET', KEYS[1], 'purpose') ~= 'batch' then return 'purpose' end
redis.call('SADD', KEYS[2], ARGV[2])
return 'ok'
`;

/**
 * DELETE — removes a file's metadata unless a batch still reads it.
 * KEYS[1] file hash, KEYS[2] refs set. ARGV: ids of referencing batches known to have ended.
 * Returns 'deleted', 'in_use' or 'missing'.
 */
const DELETE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if #ARGV > 0 then redis.call('SREM', KEYS[2], unpack(ARGV)) end
if redis.call('SCARD', KEYS[2]) > 0 then return 'in_use' end
redis.call('DEL', KEYS[1], KEYS[2])
return 'deleted'
`;

type Scripted = Redis & {
  syFileAddRef(file: string, refs: string, team: string, batchId: string): Promise<'ok' | 'missing' | 'purpose'>;
  syFileDelete(file: string, refs: string, ...ended: string[]): Promise<'deleted' | 'in_use' | 'missing'>;
};

/**
 * Files: metadata in Redis, bytes in FileStorage (never in Redis). A file is the concatenation of
 * its parts, so a batch's output can be written segment by segment as lines finish.
 */
export class FileStore {
  private readonly redis: Scripted;
  private readonly keys: FileKeys;
  private readonly index: TeamIndex;

  constructor(
    redis: Redis,
    prefix: string,
    readonly storage: FileStorage,
  ) {
    this.redis = redis as Scripted;
    if (!('syFileAddRef' in redis)) {
      redis.defineCommand('syFileAddRef', { numberOfKeys: 2, lua: ADD_REF_SCRIPT });
      redis.defineCommand('syFileDelete', { numberOfKeys: 2, lua: DELETE_SCRIPT });
    }
    this.keys = new FileKeys(prefix);
    this.index = new TeamIndex(redis, (team) => this.keys.teamIndex(team), this.keys.sequence());
  }

  static newId(): string {
    return `file-${randomBytes(12).toString('hex')}`;
  }

  /**
   * Streams an upload into part 0 of a new file id (no metadata yet: see `create`).
   * @throws GatewayError payload_too_large past `maxBytes` (nothing is kept).
   */
  async writeUpload(id: string, body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<number> {
    async function* bounded(): AsyncIterable<Uint8Array> {
      let seen = 0;
      for await (const chunk of body) {
        seen += chunk.byteLength;
        if (seen > maxBytes) throw new GatewayError('payload_too_large', `The file is larger than the limit of ${maxBytes} bytes.`, { param: 'file' });
        yield chunk;
      }
    }
    const { bytes } = await this.storage.put(partObjectKey(id, 0), bounded());
    return bytes;
  }

  /** Writes one part of a multi-part file (a batch output segment), a line at a time; rewriting a part replaces it. */
  async writePart(id: string, part: number, lines: AsyncIterable<string>): Promise<number> {
    const { bytes } = await this.storage.put(partObjectKey(id, part), linesOf(lines));
    return bytes;
  }

  /** Records a file whose parts are written; it becomes visible and listable from here on. */
  async create(record: FileRecord): Promise<void> {
    await this.redis.hset(this.keys.file(record.id), fileToHash(record));
    await this.index.add(record.team, record.id);
  }

  async get(id: string): Promise<FileRecord | null> {
    return fileFromHash(await this.redis.hgetall(this.keys.file(id)));
  }

  /** A team's file, or a 404 (another team's file is indistinguishable from a missing one). */
  async own(id: string, team: string): Promise<FileRecord> {
    const record = await this.get(id);
    if (!record || record.team !== team) throw new GatewayError('not_found', `No such File object: ${id}`, { param: 'id' });
    return record;
  }

  list(team: string, query: PageQuery, purpose?: string): Promise<Page<FileRecord>> {
    return this.index.page(
      team,
      query,
      async (ids) => {
        // Each file has its own slot: per key on a cluster.
        const results = await pipelinePerKey(this.redis, ids.map((id) => this.keys.file(id)), (pipeline, key) => pipeline.hgetall(key));
        return results.map(([, hash]) => fileFromHash((hash ?? {}) as Record<string, string>));
      },
      (record) => purpose === undefined || record.purpose === purpose,
    );
  }

  /** The file's bytes, parts in order; `start` skips bytes of a single-part file (batch input). */
  async open(record: FileRecord, start = 0): Promise<Readable> {
    if (start > 0 && record.parts !== 1) throw new RangeError('Only a single-part file can be read from an offset');
    const storage = this.storage;
    if (record.parts === 1) return (await storage.get(partObjectKey(record.id, 0), start)) ?? missingPart(record.id, 0);
    async function* parts(): AsyncIterable<Uint8Array> {
      for (let part = 0; part < record.parts; part++) {
        const stream = await storage.get(partObjectKey(record.id, part));
        if (!stream) throw new Error(`File ${record.id} is missing part ${part} in storage`);
        for await (const chunk of stream) yield chunk as Uint8Array;
      }
    }
    return Readable.from(parts());
  }

  /** A batch reads the file from now until it ends: refuses a file of another team or purpose. */
  async addRef(id: string, team: string, batchId: string): Promise<'ok' | 'missing' | 'purpose'> {
    return this.redis.syFileAddRef(this.keys.file(id), this.keys.refs(id), team, batchId);
  }

  async dropRef(id: string, batchId: string): Promise<void> {
    await this.redis.srem(this.keys.refs(id), batchId);
  }

  /**
   * Deletes a file's metadata and contents, unless a batch that has not ended reads it.
   * `hasEnded` says whether a referencing batch is over (or gone).
   */
  async delete(record: FileRecord, hasEnded: (batchId: string) => Promise<boolean>): Promise<'deleted' | 'in_use' | 'missing'> {
    const refs = await this.redis.smembers(this.keys.refs(record.id));
    const ended: string[] = [];
    for (const batchId of refs) if (await hasEnded(batchId)) ended.push(batchId);
    const outcome = await this.redis.syFileDelete(this.keys.file(record.id), this.keys.refs(record.id), ...ended);
    if (outcome !== 'deleted') return outcome;
    await this.index.remove(record.team, record.id);
    // Metadata first, so nobody starts reading what is being removed; a crash here leaves orphan objects.
    for (let part = 0; part < record.parts; part++) await this.storage.delete(partObjectKey(record.id, part));
    return 'deleted';
  }

  /** Removes stored parts without metadata (an upload refused after its bytes were written). */
  async discard(id: string, parts = 1): Promise<void> {
    for (let part = 0; part < parts; part++) await this.storage.delete(partObjectKey(id, part));
  }
}

async function* linesOf(lines: AsyncIterable<string>): AsyncIterable<Uint8Array> {
  for await (const line of lines) yield Buffer.from(`${line}\n`);
}

function missingPart(id: string, part: number): never {
  throw new Error(`File ${id} is missing part ${part} in storage`);
}
