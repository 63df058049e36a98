import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { assertObjectKey, type FileStorage } from './file-storage.js';
import { PartReader } from './part-reader.js';
import { amzDate, EMPTY_SHA256, sha256Hex, signV4, type SigV4Credentials } from './sigv4.js';

export interface S3StorageOptions extends SigV4Credentials {
  /** Service endpoint, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://minio:9000`. */
  endpoint: string;
  bucket: string;
  region: string;
  /** Prepended to every object key (e.g. `switchyard/`); empty for none. */
  keyPrefix: string;
  /** `https://endpoint/bucket/key` (true, what most S3-compatible servers want) or `https://bucket.endpoint/key`. */
  forcePathStyle: boolean;
  /** Bodies larger than this go up as a multipart upload of parts this size (S3's minimum is 5 MiB). */
  partSizeBytes: number;
  /** Bound on each request until its response headers arrive. */
  timeoutMs: number;
  /** Replaces the clock that dates signatures (tests). */
  now?: () => Date;
}

/** An S3 answer that was not a success; carries S3's error code when the body had one. */
export class S3StorageError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly s3Code: string | null,
  ) {
    super(message);
    this.name = 'S3StorageError';
  }
}

/**
 * File contents in an S3-compatible bucket, over plain `fetch` with AWS Signature Version 4 (no SDK).
 * Small bodies are one signed PUT; larger ones a multipart upload whose parts are buffered one at a
 * time, so memory stays at one part whatever the file size. A failed multipart upload is aborted.
 */
export class S3Storage implements FileStorage {
  constructor(private readonly options: S3StorageOptions) {}

  async put(key: string, body: AsyncIterable<Uint8Array>): Promise<{ bytes: number }> {
    assertObjectKey(key);
    const reader = new PartReader(body, this.options.partSizeBytes);
    const first = await reader.next();
    if (reader.done) {
      await this.expectOk(await this.send('PUT', key, { body: first }), 'PUT object');
      return { bytes: first.byteLength };
    }
    const created = await this.send('POST', key, { query: { uploads: '' } });
    const uploadId = xmlValue(await this.expectOk(created, 'CreateMultipartUpload'), 'UploadId');
    if (!uploadId) throw new S3StorageError('CreateMultipartUpload answered without an UploadId', created.status, null);
    try {
      const etags: string[] = [];
      let bytes = 0;
      let part = first;
      for (;;) {
        const res = await this.send('PUT', key, { query: { partNumber: String(etags.length + 1), uploadId }, body: part });
        await this.expectOk(res, 'UploadPart');
        etags.push(res.headers.get('etag') ?? '');
        bytes += part.byteLength;
        if (reader.done) break;
        part = await reader.next();
      }
      const manifest = `<CompleteMultipartUpload>${etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
      const done = await this.expectOk(await this.send('POST', key, { query: { uploadId }, body: Buffer.from(manifest), contentType: 'application/xml' }), 'CompleteMultipartUpload');
      // S3 may answer 200 and still report a failure in the body of CompleteMultipartUpload.
      if (done.includes('<Error>')) throw new S3StorageError(`CompleteMultipartUpload failed: ${xmlValue(done, 'Message') ?? done}`, 200, xmlValue(done, 'Code'));
      return { bytes };
    } catch (err) {
      await this.send('DELETE', key, { query: { uploadId } }).then((r) => r.arrayBuffer(), () => undefined);
      throw err;
    }
  }

  async get(key: string, start = 0): Promise<Readable | null> {
    assertObjectKey(key);
    const res = await this.send('GET', key, { range: start > 0 ? `bytes=${start}-` : undefined });
    if (res.status === 404) {
      await res.arrayBuffer();
      return null;
    }
    // Asking from the very end of an object is a valid, empty read.
    if (res.status === 416) {
      await res.arrayBuffer();
      return Readable.from([]);
    }
    if (!res.ok || !res.body) await this.expectOk(res, 'GET object');
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  }

  async delete(key: string): Promise<void> {
    assertObjectKey(key);
    const res = await this.send('DELETE', key, {});
    if (res.status !== 404) await this.expectOk(res, 'DELETE object');
  }

  private async send(
    method: string,
    key: string,
    request: { query?: Record<string, string>; body?: Buffer; range?: string; contentType?: string },
  ): Promise<Response> {
    const url = s3ObjectUrl(this.options, key);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    const date = amzDate(this.options.now?.() ?? new Date());
    const payloadHash = request.body ? sha256Hex(request.body) : EMPTY_SHA256;
    const headers: Record<string, string> = { 'x-amz-content-sha256': payloadHash, 'x-amz-date': date };
    if (this.options.sessionToken) headers['x-amz-security-token'] = this.options.sessionToken;
    if (request.range) headers.range = request.range;
    if (request.contentType) headers['content-type'] = request.contentType;
    const authorization = signV4({ method, url, headers, payloadHash, region: this.options.region, service: 's3', amzDate: date }, this.options);
    // The timeout covers the wait for response headers only: a long download must not be cut.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new S3StorageError(`S3 ${method} did not answer within ${this.options.timeoutMs} ms`, 0, null)), this.options.timeoutMs);
    try {
      return await fetch(url, { method, headers: { ...headers, authorization }, body: request.body, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  }

  /** The response text of a 2xx answer; otherwise an S3StorageError with S3's code and message. */
  private async expectOk(res: Response, what: string): Promise<string> {
    const text = await res.text();
    if (res.ok) return text;
    throw new S3StorageError(`S3 ${what} failed with HTTP ${res.status}: ${xmlValue(text, 'Message') ?? 'no message'}`, res.status, xmlValue(text, 'Code'));
  }
}

/** The URL of an object: path style `endpoint/bucket/prefix+key`, or virtual-hosted `bucket.endpoint/prefix+key`. */
export function s3ObjectUrl(options: Pick<S3StorageOptions, 'endpoint' | 'bucket' | 'keyPrefix' | 'forcePathStyle'>, key: string): URL {
  const base = new URL(options.endpoint);
  const path = `${options.keyPrefix}${key}`;
  if (options.forcePathStyle) return new URL(`${base.origin}${base.pathname.replace(/\/$/, '')}/${options.bucket}/${path}`);
  return new URL(`${base.protocol}//${options.bucket}.${base.host}/${path}`);
}

/** The text of the first `<tag>` in a small XML document (S3's answers are flat enough for this). */
function xmlValue(xml: string, tag: string): string | null {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match ? unescapeXml(match[1]!) : null;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeXml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
