import { createHash, createHmac } from 'node:crypto';

/** The SHA-256 of an empty payload, which S3 expects in `x-amz-content-sha256` for bodiless requests. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (STS) also sign this token, sent as `x-amz-security-token`. */
  sessionToken?: string;
}

export interface SigV4Request {
  method: string;
  url: URL;
  /** Every header to sign except `host` (taken from the URL); names in any case. */
  headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
  region: string;
  service: string;
  /** `YYYYMMDD'T'HHMMSS'Z'`, the same value the caller sends as `x-amz-date`. */
  amzDate: string;
}

/**
 * AWS Signature Version 4 (header form): builds the canonical request and string to sign and
 * returns the `Authorization` header value. The caller sends exactly the headers it passed here
 * (plus the URL's host), or the server's recomputation will not match.
 */
export function signV4(request: SigV4Request, credentials: SigV4Credentials): string {
  const headers = canonicalHeaders(request.url, request.headers);
  const signedHeaders = headers.map(([name]) => name).join(';');
  const canonical = [
    request.method.toUpperCase(),
    canonicalPath(request.url.pathname),
    canonicalQuery(request.url.searchParams),
    headers.map(([name, value]) => `${name}:${value}\n`).join(''),
    signedHeaders,
    request.payloadHash,
  ].join('\n');
  const date = request.amzDate.slice(0, 8);
  const scope = `${date}/${request.region}/${request.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', request.amzDate, scope, sha256Hex(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, date);
  for (const part of [request.region, request.service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

/** `x-amz-date` for an instant: ISO 8601 basic format, UTC, whole seconds. */
export function amzDate(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX (upper case). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

// S3 signs the path with each segment encoded once (other services encode twice; S3 does not).
function canonicalPath(pathname: string): string {
  return pathname.split('/').map((segment) => uriEncode(decodeURIComponent(segment))).join('/') || '/';
}

function canonicalQuery(params: URLSearchParams): string {
  const pairs = [...params].map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  pairs.sort(([ak, av], [bk, bv]) => (ak === bk ? compare(av, bv) : compare(ak, bk)));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalHeaders(url: URL, headers: Readonly<Record<string, string>>): Array<[string, string]> {
  const out = new Map<string, string>([['host', url.host]]);
  for (const [name, value] of Object.entries(headers)) out.set(name.toLowerCase(), value.trim().replace(/\s+/g, ' '));
  return [...out].sort(([a], [b]) => compare(a, b));
}

// Byte order, not locale order: the server sorts the same way.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
