import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileStorage } from '../../shared/files/file-storage.js';
import { LocalDiskStorage } from '../../shared/files/local-disk-storage.js';
import { s3ObjectUrl, S3Storage, S3StorageError } from '../../shared/files/s3-storage.js';
import { startFakeS3, type FakeS3 } from './fake-s3-server.js';

async function readAll(stream: Readable | null): Promise<Buffer | null> {
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function* chunked(data: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.byteLength; i += size) yield data.subarray(i, i + size);
}

async function* failing(after: Buffer): AsyncIterable<Uint8Array> {
  yield after;
  throw new Error('client went away');
}

/** The contract every FileStorage backend keeps (one suite, run against each backend). */
function storageConformance(name: string, open: () => FileStorage) {
  describe(`${name}: FileStorage conformance`, () => {
    it('stores and reads back a body, reporting its size', async () => {
      const storage = open();
      const body = Buffer.from('{"a":1}\n{"b":2}\n');
      expect(await storage.put('file-a/000000', chunked(body, 5))).toEqual({ bytes: body.byteLength });
      expect(await readAll(await storage.get('file-a/000000'))).toEqual(body);
    });

    it('reads from a byte offset, and from the very end as empty', async () => {
      const storage = open();
      await storage.put('file-b/000000', chunked(Buffer.from('0123456789'), 3));
      expect((await readAll(await storage.get('file-b/000000', 4)))?.toString()).toBe('456789');
      expect((await readAll(await storage.get('file-b/000000', 10)))?.toString()).toBe('');
    });

    it('answers null for a missing object and deletes idempotently', async () => {
      const storage = open();
      expect(await storage.get('file-none/000000')).toBeNull();
      await storage.put('file-c/000000', chunked(Buffer.from('x'), 1));
      await storage.delete('file-c/000000');
      await storage.delete('file-c/000000');
      expect(await storage.get('file-c/000000')).toBeNull();
    });

    it('replaces an object on a second put', async () => {
      const storage = open();
      await storage.put('file-d/000000', chunked(Buffer.from('old'), 8));
      await storage.put('file-d/000000', chunked(Buffer.from('new body'), 8));
      expect((await readAll(await storage.get('file-d/000000')))?.toString()).toBe('new body');
    });

    it('round-trips a body of many chunks byte for byte', async () => {
      const storage = open();
      const body = randomBytes(3 * 1024 * 1024 + 17);
      expect((await storage.put('file-e/000000', chunked(body, 64 * 1024))).bytes).toBe(body.byteLength);
      expect((await readAll(await storage.get('file-e/000000')))!.equals(body)).toBe(true);
    });

    it('keeps the previous object when a body stream fails mid-way', async () => {
      const storage = open();
      await storage.put('file-f/000000', chunked(Buffer.from('intact'), 8));
      await expect(storage.put('file-f/000000', failing(randomBytes(2 * 1024 * 1024)))).rejects.toThrow('client went away');
      expect((await readAll(await storage.get('file-f/000000')))?.toString()).toBe('intact');
    });

    it('refuses keys that could leave its namespace', async () => {
      const storage = open();
      for (const key of ['../etc/passwd', '/abs', 'a/../b', '.hidden', 'a//b', 'sp ace']) {
        await expect(storage.put(key, chunked(Buffer.from('x'), 1))).rejects.toThrow(RangeError);
      }
    });
  });
}

let directory = '';
let s3: FakeS3;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sy-files-'));
  s3 = await startFakeS3({ minPartBytes: 256 * 1024 });
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  await s3?.close();
});

const s3Options = (overrides: Partial<ConstructorParameters<typeof S3Storage>[0]> = {}) =>
  new S3Storage({
    endpoint: s3.url,
    bucket: s3.bucket,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    keyPrefix: 'sy/',
    forcePathStyle: true,
    // Small parts so the multi-megabyte cases go through the multipart upload path.
    partSizeBytes: 256 * 1024,
    timeoutMs: 5000,
    ...overrides,
  });

storageConformance('local disk', () => new LocalDiskStorage(directory));
storageConformance('S3 (SigV4 over fetch)', () => s3Options());

describe('S3 backend specifics', () => {
  it('signs every request so an independent verifier accepts it, and multipart uploads leave nothing open', async () => {
    const before = s3.log.length;
    await s3Options().put('file-g/000000', chunked(randomBytes(700 * 1024), 100 * 1024));
    const calls = s3.log.slice(before).map((c) => `${c.method} ${c.query.replace(/=[0-9a-f]{16}/, '=ID')}`);
    expect(calls).toEqual(['POST uploads=', 'PUT partNumber=1&uploadId=ID', 'PUT partNumber=2&uploadId=ID', 'PUT partNumber=3&uploadId=ID', 'POST uploadId=ID']);
    expect(s3.objects.get('sy/file-g/000000')?.byteLength).toBe(700 * 1024);
    expect(s3.rejected).toBe(0);
    expect(s3.openUploads()).toBe(0);
  });

  it('is refused with S3StorageError when its secret is wrong', async () => {
    const rejectedBefore = s3.rejected;
    const error = await s3Options({ secretAccessKey: 'not-the-secret' }).put('file-h/000000', chunked(Buffer.from('x'), 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3StorageError);
    expect((error as S3StorageError).status).toBe(403);
    expect((error as S3StorageError).s3Code).toBe('SignatureDoesNotMatch');
    expect(s3.rejected).toBe(rejectedBefore + 1);
  });

  it('aborts a multipart upload whose part fails', async () => {
    s3.failNext('PUT', 'partNumber', 500);
    await expect(s3Options().put('file-i/000000', chunked(randomBytes(600 * 1024), 50 * 1024))).rejects.toThrow(S3StorageError);
    expect(s3.openUploads()).toBe(0);
    expect(s3.objects.has('sy/file-i/000000')).toBe(false);
  });

  it('builds path-style and virtual-hosted object URLs', () => {
    const options = { endpoint: 'https://s3.eu-west-1.amazonaws.com', bucket: 'b1', keyPrefix: 'p/' };
    expect(s3ObjectUrl({ ...options, forcePathStyle: true }, 'file-x/000001').href).toBe('https://s3.eu-west-1.amazonaws.com/b1/p/file-x/000001');
    expect(s3ObjectUrl({ ...options, forcePathStyle: false }, 'file-x/000001').href).toBe('https://b1.s3.eu-west-1.amazonaws.com/p/file-x/000001');
  });
});
