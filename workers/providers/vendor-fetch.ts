import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import zlib from 'node:zlib';

/**
 * The `fetch` the vendor SDKs are given: the WHATWG fetch contract on plain `node:http(s)` with
 * keep-alive agents. Node's built-in fetch (undici) costs about 0.16 ms of latency and 0.3 ms of CPU
 * more per call than `node:http` on this path (bench/vendor-fetch.ts, 2026-12-06), on every vendor
 * call of every job;
 * the SDKs (openai, @anthropic-ai/sdk, @google/genai) all accept a custom fetch, so they stay in
 * charge of requests, retries and parsing.
 *
 * Covered: string/URL/Request inputs, string and byte bodies, any header form, abort (before and
 * during the body, with the signal's reason like fetch), gzip/deflate/br bodies (decoded as fetch
 * does), streamed response bodies. Anything else (a streamed or form request body) goes to the
 * built-in fetch unchanged, so no SDK feature is lost.
 */
export type FetchFunction = typeof globalThis.fetch;

/** Idle keep-alive sockets are closed after this long (undici's default), or sooner when the server's Keep-Alive hint says so. */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

const agentOptions = { keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS, scheduling: 'lifo' as const };
const httpAgent = new http.Agent(agentOptions);
const httpsAgent = new https.Agent(agentOptions);

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

export const vendorFetch: FetchFunction = (input, init) => {
  if (input instanceof Request || !isPlainBody(init?.body)) return globalThis.fetch(input, init);
  return nodeFetch(new URL(String(input)), init ?? {});
};

function isPlainBody(body: RequestInit['body']): body is string | Uint8Array | null | undefined {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
}

function nodeFetch(url: URL, init: RequestInit): Promise<Response> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const body = init.body as string | Uint8Array | null | undefined;
  const headers = new Headers(init.headers);
  if (body !== undefined && body !== null && !headers.has('content-length')) headers.set('content-length', String(Buffer.byteLength(body)));
  if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'gzip, deflate, br');
  const secure = url.protocol === 'https:';
  return new Promise<Response>((resolve, reject) => {
    const request = (secure ? https : http).request(url, {
      method: init.method ?? 'GET',
      headers: Object.fromEntries(headers),
      agent: secure ? httpsAgent : httpAgent,
    });
    let response: http.IncomingMessage | undefined;
    const onAbort = (): void => {
      const error = abortError(signal!);
      const destroyWith = error instanceof Error ? error : new DOMException('This operation was aborted', 'AbortError');
      // Before the response: the promise rejects; after it: the body stream errors, as with fetch.
      if (response) response.destroy(destroyWith);
      else reject(error);
      request.destroy(destroyWith);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => signal?.removeEventListener('abort', onAbort);
    request.on('error', (err) => {
      done();
      if (!response) reject(signal?.aborted ? abortError(signal) : new TypeError('fetch failed', { cause: err }));
    });
    request.on('response', (res) => {
      response = res;
      res.on('close', done);
      resolve(toResponse(res));
    });
    request.end(body ?? undefined);
  });
}

function toResponse(res: http.IncomingMessage): Response {
  const status = res.statusCode ?? 502;
  const headers = new Headers();
  for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  if (NULL_BODY_STATUSES.has(status)) {
    res.resume();
    return new Response(null, { status, statusText: res.statusMessage, headers });
  }
  let source: NodeJS.ReadableStream = res;
  const decoder = DECODERS[(headers.get('content-encoding') ?? '').trim().toLowerCase()];
  if (decoder) {
    const decoding = decoder();
    res.on('error', (err) => decoding.emit('error', err));
    source = res.pipe(decoding);
    headers.delete('content-encoding');
    headers.delete('content-length');
  }
  const stream = Readable.toWeb(source as Readable) as NodeWebStream<Uint8Array>;
  return new Response(stream as unknown as ReadableStream<Uint8Array>, { status, statusText: res.statusMessage, headers });
}

/** What fetch rejects with on abort: the signal's reason (an `AbortError` DOMException unless the aborter gave one). */
function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
