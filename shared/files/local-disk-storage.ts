import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertObjectKey, type FileStorage } from './file-storage.js';

/**
 * File contents on local disk under one directory: object `a/b` is the file `<directory>/a/b`.
 * Writes go to a temporary sibling and are renamed into place, so readers never see a half object.
 */
export class LocalDiskStorage implements FileStorage {
  private readonly root: string;

  constructor(directory: string) {
    this.root = resolve(directory);
  }

  async put(key: string, body: AsyncIterable<Uint8Array>): Promise<{ bytes: number }> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    let bytes = 0;
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const chunk of body) {
        bytes += chunk.byteLength;
        yield chunk;
      }
    }
    try {
      await pipeline(Readable.from(counted()), createWriteStream(temporary));
      await rename(temporary, path);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
    return { bytes };
  }

  async get(key: string, start = 0): Promise<Readable | null> {
    const path = this.path(key);
    const exists = await stat(path).then((s) => s.isFile(), () => false);
    return exists ? createReadStream(path, { start }) : null;
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    await rm(path, { force: true });
    // Objects of one file share a directory; drop it once empty (a non-empty one refuses, which is fine).
    if (dirname(path) !== this.root) await rmdir(dirname(path)).catch(() => undefined);
  }

  private path(key: string): string {
    assertObjectKey(key);
    return join(this.root, key);
  }
}
