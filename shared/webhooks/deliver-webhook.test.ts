import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliverWebhook, type DeliverWebhookInput } from './deliver-webhook.js';
import { verifyWebhook, webhookHeaders } from './sign-webhook.js';
import { WebhookDeliveryError } from './webhook-delivery-error.js';
import { generateWebhookSecret } from './webhook-secret.js';
import type { HostLookup } from './webhook-target.js';

// Every socket in this file goes to 127.0.0.1: names are resolved by a fake resolver to loopback.

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const secret = generateWebhookSecret();
const body = JSON.stringify({ type: 'job.succeeded', timestamp: '2025-01-01T00:00:00.000Z', data: { id: 'job_1' } });

let server: Server;
let port: number;
let received: Received[];
let handler: Handler;

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: text });
      handler(req, res, text);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  handler = (_req, res) => res.writeHead(204).end();
});

function signed(timestamp = Math.floor(Date.now() / 1000)) {
  return webhookHeaders({ secret, msgId: 'msg_job_1', timestamp, body });
}

function input(overrides: Partial<DeliverWebhookInput> = {}): DeliverWebhookInput {
  return { url: `http://127.0.0.1:${port}/hooks/in?team=a`, allowPrivate: true, headers: signed(), body, timeoutMs: 2_000, ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<WebhookDeliveryError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WebhookDeliveryError) return err;
    throw err;
  }
  throw new Error('expected the delivery to fail');
}

/** Resolves every name to 127.0.0.1 and counts how often it was asked. */
function loopbackDns(): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  return Object.assign(
    async (hostname: string) => {
      calls.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    },
    { calls },
  );
}

describe('deliverWebhook', () => {
  it('POSTs the signed body, which the receiver verifies with verifyWebhook', async () => {
    const verdicts: string[] = [];
    handler = (req, res, text) => {
      try {
        verifyWebhook({ secrets: [secret], headers: req.headers, body: text });
        verdicts.push('ok');
        res.writeHead(204).end();
      } catch (err) {
        verdicts.push((err as Error).message);
        res.writeHead(401).end();
      }
    };
    const result = await deliverWebhook(input());
    expect(result.status).toBe(204);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(verdicts).toEqual(['ok']);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/hooks/in?team=a', body });
    expect(received[0]!.headers).toMatchObject({
      host: `127.0.0.1:${port}`,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'webhook-id': 'msg_job_1',
      'user-agent': 'Switchyard-Webhooks/1',
    });
  });

  it('a receiver holding another secret rejects the same delivery', async () => {
    handler = (req, res, text) => {
      try {
        verifyWebhook({ secrets: [generateWebhookSecret()], headers: req.headers, body: text });
        res.writeHead(204).end();
      } catch {
        res.writeHead(401).end();
      }
    };
    const err = await failure(deliverWebhook(input()));
    expect(err.toData()).toEqual({ code: 'webhook_http_status', status: 401, message: 'receiver at 127.0.0.1 answered HTTP 401' });
  });

  it('connects to the address checked once, keeping the name in Host (no second resolution)', async () => {
    const dns = loopbackDns();
    // The name is unknown to the system resolver: had the request re-resolved it, it would fail.
    const result = await deliverWebhook(input({ url: `http://hooks.switchyard.invalid:${port}/in`, lookup: dns }));
    expect(result.status).toBe(204);
    expect(dns.calls).toEqual(['hooks.switchyard.invalid']);
    expect(received[0]!.headers.host).toBe(`hooks.switchyard.invalid:${port}`);
  });

  it('ignores caller-supplied Host and Content-Length headers', async () => {
    const headers = { ...signed(), host: 'evil.example', 'Content-Length': '1' };
    await deliverWebhook(input({ headers }));
    expect(received[0]!.headers.host).toBe(`127.0.0.1:${port}`);
    expect(received[0]!.body).toBe(body);
  });

  it.each([
    [`http://127.0.0.1:PORT/in`, /127\.0\.0\.1 is a loopback address/],
    [`http://hooks.switchyard.invalid:PORT/in`, /host hooks\.switchyard\.invalid resolves to a loopback address/],
  ])('refuses %s without allowPrivate and sends nothing', async (url, message) => {
    const err = await failure(deliverWebhook(input({ url: url.replace('PORT', String(port)), allowPrivate: false, lookup: loopbackDns() })));
    expect(err.code).toBe('webhook_target_refused');
    expect(err.message).toMatch(message);
    expect(err.retryable).toBe(false);
    expect(received).toHaveLength(0);
  });

  it('refuses a non-http URL', async () => {
    const err = await failure(deliverWebhook(input({ url: `ftp://127.0.0.1:${port}/` })));
    expect(err.code).toBe('webhook_target_refused');
  });

  it.each([404, 410, 500, 503])('reports HTTP %i as webhook_http_status without leaking the secret or signature', async (status) => {
    handler = (_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end('nope');
    const headers = signed();
    const err = await failure(deliverWebhook(input({ headers })));
    expect(err.code).toBe('webhook_http_status');
    expect(err.status).toBe(status);
    expect(err.retryable).toBe(true);
    const rendered = JSON.stringify(err.toData()) + err.message;
    expect(rendered).not.toContain(secret.slice(6));
    expect(rendered).not.toContain(headers['webhook-signature'].slice(3));
  });

  it('does not follow redirects: a 3xx is a failure and the Location is never requested', async () => {
    handler = (req, res) => {
      if (req.url === '/moved') res.writeHead(204).end();
      else res.writeHead(307, { location: `http://127.0.0.1:${port}/moved` }).end();
    };
    const err = await failure(deliverWebhook(input()));
    expect(err).toMatchObject({ code: 'webhook_http_status', status: 307 });
    expect(received.map((r) => r.url)).toEqual(['/hooks/in?team=a']);
  });

  it('times out against a receiver that never answers, within the bound', async () => {
    handler = () => {}; // hold the request open forever
    const timeoutMs = 150;
    const started = performance.now();
    const err = await failure(deliverWebhook(input({ timeoutMs })));
    const elapsed = performance.now() - started;
    expect(err.code).toBe('webhook_timeout');
    expect(err.message).toBe('receiver did not answer within 150 ms');
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(elapsed).toBeLessThan(timeoutMs + 1_000);
    expect(err.durationMs).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(received).toHaveLength(1);
  });

  it('times out a resolver that never answers', async () => {
    const hung: HostLookup = () => new Promise(() => {});
    const err = await failure(deliverWebhook(input({ url: 'http://hung.switchyard.invalid/', lookup: hung, timeoutMs: 100 })));
    expect(err.code).toBe('webhook_timeout');
  });

  it('counts a 2xx whose body never ends as answered, stopping at the timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('still going');
    };
    const result = await deliverWebhook(input({ timeoutMs: 150 }));
    expect(result.status).toBe(200);
    expect(result.durationMs).toBeLessThan(1_150);
  });

  it('reads at most maxResponseBytes of a large response body, then hangs up', async () => {
    let written = 0;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(16 * 1024, 120);
      // Keep writing until the client hangs up; an unbounded reader would wait for the timeout.
      const pump = () => {
        while (!res.destroyed && written < 64 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    };
    const result = await deliverWebhook(input({ maxResponseBytes: 1_024, timeoutMs: 5_000 }));
    expect(result.status).toBe(200);
    expect(result.durationMs).toBeLessThan(2_000);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('reports a refused connection as webhook_connection', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(deliverWebhook(input({ url: `http://127.0.0.1:${closedPort}/` })));
    expect(err.code).toBe('webhook_connection');
    expect(err.message).toBe('could not deliver to 127.0.0.1: ECONNREFUSED');
  });

  it('https: sends the URL host name as TLS SNI while connecting to the checked address', async () => {
    const sniSeen: string[] = [];
    // No certificate: the handshake is refused after the ClientHello, which is all this test needs.
    const tls = createTlsServer({
      SNICallback: (servername, callback) => {
        sniSeen.push(servername);
        callback(new Error('no certificate in this test'), undefined);
      },
    });
    tls.on('tlsClientError', () => {});
    tls.listen(0, '127.0.0.1');
    await once(tls, 'listening');
    const tlsPort = (tls.address() as AddressInfo).port;
    try {
      const dns = loopbackDns();
      const err = await failure(deliverWebhook(input({ url: `https://hooks.switchyard.invalid:${tlsPort}/in`, lookup: dns })));
      expect(err.code).toBe('webhook_connection');
      expect(sniSeen).toEqual(['hooks.switchyard.invalid']);
      expect(dns.calls).toEqual(['hooks.switchyard.invalid']);
    } finally {
      await new Promise<void>((resolve) => tls.close(() => resolve()));
    }
  });
});
