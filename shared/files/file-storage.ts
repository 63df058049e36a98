import type { Readable } from 'node:stream';

/**
 * Where file contents live (never in Redis): a flat namespace of immutable objects. Object keys are
 * `<segment>/<segment>...` of `[A-Za-z0-9._-]` (checked by `assertObjectKey`), so no backend can be
 * walked out of its directory or bucket prefix.
 *
 * Every backend passes the same conformance suite (test/batches/file-storage.test.ts).
 */
export interface FileStorage {
  /**
   * Writes an object from a stream of bytes, replacing any object of that key only once the whole
   * body is stored (a failed write leaves the old object, or none). Memory use is bounded by the
   * backend (a part size), never by the body's size.
   * @returns the number of bytes stored.
   * @throws whatever the body stream throws (the write is abandoned), or a backend I/O error.
   */
  put(key: string, body: AsyncIterable<Uint8Array>): Promise<{ bytes: number }>;
  /** The object's bytes from offset `start` (default 0); null when there is no such object. */
  get(key: string, start?: number): Promise<Readable | null>;
  /** Removes an object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
}

const OBJECT_KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** @throws RangeError for a key that is not `segment(/segment)*` of safe characters (no `..`, no leading dot). */
export function assertObjectKey(key: string): void {
  if (!OBJECT_KEY.test(key) || key.length > 512) throw new RangeError(`Invalid storage object key '${key}'`);
}
