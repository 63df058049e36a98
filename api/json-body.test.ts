import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { EventEmitter, once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPlainBody, readJsonBody } from './json-body.js';

const LIMIT = 64;

/** What the server saw for one request: the parsed body or the error's type and status. */
type Outcome = { body: unknown } | { type: string; status: number; completeBeforeReject: boolean };

describe('readJsonBody follows body-parser', () => {
  let server: Server;
  let port: number;
  const outcomes: Outcome[] = [];
  /** Emits 'outcome' each time the server has one. */
  const seen = new EventEmitter();

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      readJsonBody(req, LIMIT).then(
        (body) => outcomes.push({ body }),
        (err: { type: string; status: number }) => outcomes.push({ type: err.type, status: err.status, completeBeforeReject: req.complete }),
      ).finally(() => {
        seen.emit('outcome');
        res.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends raw HTTP (exact headers and chunks) and returns what the reader made of it. */
  async function send(head: string, ...chunks: Buffer[]): Promise<Outcome> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`POST /x HTTP/1.1\r\nhost: t\r\nconnection: close\r\n${head}\r\n`);
    for (const chunk of chunks) socket.write(chunk);
    socket.resume();
    await once(socket, 'close');
    return outcomes.pop()!;
  }
  const fixed = (text: string | Buffer): Promise<Outcome> => {
    const body = Buffer.from(text);
    return send(`content-length: ${body.length}\r\n`, body);
  };
  const chunked = (...parts: Buffer[]): Promise<Outcome> =>
    send('transfer-encoding: chunked\r\n', ...parts.map((p) => Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')])), Buffer.from('0\r\n\r\n'));

  it('an upload the client abandons is request.aborted (400), as in body-parser', async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const outcome = once(seen, 'outcome');
    await new Promise((written) => socket.write('POST /x HTTP/1.1\r\nhost: t\r\ncontent-length: 50\r\n\r\n{"model":', written));
    socket.destroy();
    await outcome;
    expect(outcomes.pop()).toMatchObject({ type: 'request.aborted', status: 400 });
  });

  it('no body is undefined, an empty one is {}', async () => {
    expect(await send('')).toEqual({ body: undefined });
    expect(await fixed('')).toEqual({ body: {} });
  });

  it('parses objects and arrays, after whitespace or a BOM', async () => {
    expect(await fixed(' \n{"a":1}')).toEqual({ body: { a: 1 } });
    expect(await fixed('\uFEFF[1,2]')).toEqual({ body: [1, 2] });
  });

  it('refuses other top levels and broken JSON as entity.parse.failed', async () => {
    for (const text of ['"text"', '42', '  ', '{"a":']) expect(await fixed(text)).toMatchObject({ type: 'entity.parse.failed', status: 400 });
  });

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('{"w":"héllo"}');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of é
    expect(await chunked(bytes.subarray(0, cut), bytes.subarray(cut))).toEqual({ body: { w: 'héllo' } });
  });

  it('413s a body over the limit, by its declared length or as it streams, once the upload is read', async () => {
    const big = Buffer.from(JSON.stringify({ text: 'x'.repeat(LIMIT) }));
    expect(await fixed(big)).toEqual({ type: 'entity.too.large', status: 413, completeBeforeReject: true });
    expect(await chunked(big.subarray(0, 40), big.subarray(40))).toEqual({ type: 'entity.too.large', status: 413, completeBeforeReject: true });
    expect(await fixed(JSON.stringify({ text: 'x'.repeat(LIMIT - 13) }))).toEqual({ body: { text: 'x'.repeat(LIMIT - 13) } });
  });
});

describe('isPlainBody', () => {
  const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as IncomingMessage;
  it('leaves compressed bodies and other charsets to body-parser', () => {
    expect(isPlainBody(req({ 'content-type': 'application/json' }))).toBe(true);
    expect(isPlainBody(req({ 'content-type': 'application/json; charset=UTF-8', 'content-encoding': 'identity' }))).toBe(true);
    expect(isPlainBody(req({}))).toBe(true);
    expect(isPlainBody(req({ 'content-encoding': 'gzip' }))).toBe(false);
    expect(isPlainBody(req({ 'content-type': 'application/json; charset="utf-16"' }))).toBe(false);
  });
});
