import { createHash, createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny in-memory S3 (path-style: /bucket/key) that accepts a request only when its AWS Signature
 * Version 4 checks out. The verifier is written here from the specification, independently of the
 * gateway's signer, so a signing bug cannot cancel itself out. Supports PUT/GET (with Range)/DELETE
 * object and the multipart upload calls.
 */
export interface FakeS3 {
  url: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  objects: Map<string, Buffer>;
  /** Multipart uploads begun and neither completed nor aborted. */
  openUploads(): number;
  /** Requests refused for a bad signature, and every request's method and query. */
  rejected: number;
  log: Array<{ method: string; path: string; query: string }>;
  /** The next matching request (method and query parameter) answers this status instead. */
  failNext(method: string, queryParam: string | null, status: number): void;
  close(): Promise<void>;
}

export async function startFakeS3(options: { minPartBytes?: number } = {}): Promise<FakeS3> {
  const bucket = 'switchyard-test';
  const accessKeyId = 'AKIDFAKES3TEST';
  const secretAccessKey = randomBytes(20).toString('base64');
  const region = 'eu-test-1';
  const objects = new Map<string, Buffer>();
  const uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  const log: FakeS3['log'] = [];
  const faults: Array<{ method: string; queryParam: string | null; status: number }> = [];
  let rejected = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });

  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?');
    const query = new URLSearchParams(rawQuery);
    log.push({ method: req.method ?? '', path: rawPath, query: rawQuery });
    const failure = verify(req, rawPath, rawQuery, body);
    if (failure) {
      rejected += 1;
      return xml(res, 403, `<Error><Code>SignatureDoesNotMatch</Code><Message>${failure}</Message></Error>`);
    }
    const fault = faults.findIndex((f) => f.method === req.method && (f.queryParam === null ? rawQuery === '' : query.has(f.queryParam)));
    if (fault >= 0) {
      const { status } = faults.splice(fault, 1)[0]!;
      return xml(res, status, '<Error><Code>InternalError</Code><Message>injected</Message></Error>');
    }
    const prefix = `/${bucket}/`;
    if (!rawPath.startsWith(prefix)) return xml(res, 404, '<Error><Code>NoSuchBucket</Code><Message>no bucket</Message></Error>');
    const key = decodeURIComponent(rawPath.slice(prefix.length));

    if (req.method === 'POST' && query.has('uploads')) {
      const uploadId = randomBytes(8).toString('hex');
      uploads.set(uploadId, { key, parts: new Map() });
      return xml(res, 200, `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`);
    }
    const uploadId = query.get('uploadId');
    if (uploadId !== null) {
      const upload = uploads.get(uploadId);
      if (!upload || upload.key !== key) return xml(res, 404, '<Error><Code>NoSuchUpload</Code><Message>no upload</Message></Error>');
      if (req.method === 'PUT') {
        upload.parts.set(Number(query.get('partNumber')), body);
        res.setHeader('etag', `"${createHash('md5').update(body).digest('hex')}"`);
        return xml(res, 200, '');
      }
      if (req.method === 'DELETE') {
        uploads.delete(uploadId);
        res.statusCode = 204;
        return void res.end();
      }
      if (req.method === 'POST') {
        const listed = [...body.toString().matchAll(/<PartNumber>(\d+)<\/PartNumber><ETag>([^<]*)<\/ETag>/g)];
        const assembled: Buffer[] = [];
        for (const [i, match] of listed.entries()) {
          const part = upload.parts.get(Number(match[1]));
          const etag = match[2]!.replace(/&quot;/g, '"');
          if (!part || etag !== `"${createHash('md5').update(part).digest('hex')}"`) return xml(res, 400, '<Error><Code>InvalidPart</Code><Message>bad part</Message></Error>');
          if (i < listed.length - 1 && part.byteLength < (options.minPartBytes ?? 0)) return xml(res, 400, '<Error><Code>EntityTooSmall</Code><Message>small</Message></Error>');
          assembled.push(part);
        }
        objects.set(key, Buffer.concat(assembled));
        uploads.delete(uploadId);
        return xml(res, 200, `<CompleteMultipartUploadResult><Key>${key}</Key></CompleteMultipartUploadResult>`);
      }
    }
    if (req.method === 'PUT') {
      objects.set(key, body);
      return xml(res, 200, '');
    }
    if (req.method === 'DELETE') {
      objects.delete(key);
      res.statusCode = 204;
      return void res.end();
    }
    if (req.method === 'GET') {
      const object = objects.get(key);
      if (!object) return xml(res, 404, '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
      const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
      const start = range ? Number(range[1]) : 0;
      if (start >= object.byteLength && start > 0) return xml(res, 416, '<Error><Code>InvalidRange</Code><Message>range</Message></Error>');
      res.statusCode = range ? 206 : 200;
      return void res.end(object.subarray(start));
    }
    xml(res, 405, '<Error><Code>MethodNotAllowed</Code><Message>no</Message></Error>');
  }

  function verify(req: IncomingMessage, rawPath: string, rawQuery: string, body: Buffer): string | null {
    const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''));
    if (!auth) return 'malformed authorization';
    const [, keyId, day, scopeRegion, signedHeaders, signature] = auth as unknown as [string, string, string, string, string, string];
    if (keyId !== accessKeyId || scopeRegion !== region) return 'unknown credential';
    const date = String(req.headers['x-amz-date'] ?? '');
    if (!date.startsWith(day)) return 'date outside scope';
    const stamp = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
    if (Math.abs(Date.now() - stamp) > 15 * 60_000) return 'request time too skewed';
    const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== createHash('sha256').update(body).digest('hex')) return 'payload hash mismatch';
    const names = signedHeaders.split(';');
    if (!names.includes('host') || !names.includes('x-amz-date')) return 'host and x-amz-date must be signed';
    const strict = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const pairs = rawQuery === '' ? [] : rawQuery.split('&').map((p) => {
      const [k = '', v = ''] = p.split('=');
      return `${strict(decodeURIComponent(k))}=${strict(decodeURIComponent(v))}`;
    });
    pairs.sort();
    const canonical = [
      req.method,
      rawPath,
      pairs.join('&'),
      names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join(''),
      signedHeaders,
      payloadHash,
    ].join('\n');
    const toSign = `AWS4-HMAC-SHA256\n${date}\n${day}/${region}/s3/aws4_request\n${createHash('sha256').update(canonical).digest('hex')}`;
    const kDate = createHmac('sha256', `AWS4${secretAccessKey}`).update(day).digest();
    const kRegion = createHmac('sha256', kDate).update(region).digest();
    const kService = createHmac('sha256', kRegion).update('s3').digest();
    const kSigning = createHmac('sha256', kService).update('aws4_request').digest();
    const expected = createHmac('sha256', kSigning).update(toSign).digest('hex');
    return expected === signature ? null : 'signature mismatch';
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId,
    secretAccessKey,
    region,
    objects,
    openUploads: () => uploads.size,
    get rejected() {
      return rejected;
    },
    log,
    failNext(method, queryParam, status) {
      faults.push({ method, queryParam, status });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function xml(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/xml');
  res.end(body);
}
