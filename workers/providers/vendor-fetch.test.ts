import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendorFetch } from './vendor-fetch.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server;
let base: string;
const handlers = new Map<string, Handler>();
/** Remote ports of the connections each path was served on (to see keep-alive reuse). */
const ports: number[] = [];
let closedMidBody: () => void = () => undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      ports.push(req.socket.remotePort!);
      handlers.get(new URL(req.url!, 'http://x').pathname)!(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handlers.set('/echo', (req, body, res) => {
    res.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
    res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization, type: req.headers['content-type'], length: req.headers['content-length'] }));
  });
  handlers.set('/gzip', (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(JSON.stringify({ zipped: true })));
  });
  handlers.set('/empty', (_req, _body, res) => {
    res.writeHead(204);
    res.end();
  });
  handlers.set('/stream', (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: one\n\n');
    // The second event is only sent after the client has read the first: the body really streams.
    handlers.set('/stream-next', (_r, _b, next) => {
      res.end('data: two\n\n');
      next.end('ok');
    });
  });
  handlers.set('/hang', (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n');
    res.on('close', () => closedMidBody());
  });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('vendorFetch', () => {
  it('sends method, headers and body and returns status, headers and JSON like fetch', async () => {
    const res = await vendorFetch(`${base}/echo`, { method: 'POST', headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(res.ok).toBe(true);
    expect(res.headers.get('x-multi')).toBe('a, b');
    expect(await res.json()).toEqual({ method: 'POST', body: '{"a":1}', auth: 'Bearer sk-test', type: 'application/json', length: '7' });
  });

  it('accepts a Headers object and a URL, and reuses the kept-alive connection', async () => {
    ports.length = 0;
    for (let i = 0; i < 3; i++) await (await vendorFetch(new URL(`${base}/echo`), { method: 'POST', headers: new Headers({ 'content-type': 'text/plain' }), body: new TextEncoder().encode('bytes') })).text();
    expect(new Set(ports).size).toBe(1);
  });

  it('decodes a gzip body and drops the encoding header, as fetch does', async () => {
    const res = await vendorFetch(`${base}/gzip`);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(await res.json()).toEqual({ zipped: true });
  });

  it('gives a null body for 204', async () => {
    const res = await vendorFetch(`${base}/empty`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });

  it('streams the body as it arrives', async () => {
    const res = await vendorFetch(`${base}/stream`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    expect(decoder.decode((await reader.read()).value)).toBe('data: one\n\n');
    await (await vendorFetch(`${base}/stream-next`)).text();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += decoder.decode(r.value);
    expect(rest).toBe('data: two\n\n');
  });

  it('rejects with the abort reason when aborted before the call', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(vendorFetch(`${base}/echo`, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('an abort during the body errors the stream and closes the socket the server sees', async () => {
    const controller = new AbortController();
    const res = await vendorFetch(`${base}/hang`, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    const serverSawClose = new Promise<void>((resolve) => (closedMidBody = resolve));
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    await serverSawClose;
  });

  it('rejects a refused connection with TypeError("fetch failed") and its cause, as fetch does', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await vendorFetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe('fetch failed');
    expect(((error as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('passes streamed request bodies to the built-in fetch', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('streamed'));
        c.close();
      },
    });
    const res = await vendorFetch(`${base}/echo`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(((await res.json()) as { body: string }).body).toBe('streamed');
  });
});
