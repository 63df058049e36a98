import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebhookDeliveryError } from './webhook-delivery-error.js';
import { resolveWebhookTarget, type HostLookup, type WebhookTarget } from './webhook-target.js';

export interface DeliverWebhookInput {
  url: string;
  /** Allow private, loopback and link-local targets (`webhooks.allowPrivate`). */
  allowPrivate: boolean;
  /** Usually `webhookHeaders(...)`; Host, Content-Length and Connection are set here and ignored. */
  headers: Readonly<Record<string, string>>;
  /** The raw body, exactly as signed. */
  body: string;
  /** Hard bound on the whole attempt: DNS, connect, TLS, request and response headers. */
  timeoutMs: number;
  /** How much of the response body is read (and discarded) before hanging up; default 64 KiB. */
  maxResponseBytes?: number;
  /** Replaces the system resolver (tests). */
  lookup?: HostLookup;
}

export interface WebhookDeliveryResult {
  /** The receiver's 2xx status. */
  status: number;
  durationMs: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const USER_AGENT = 'Switchyard-Webhooks/1';
// Set from the request itself; a caller-supplied value could redirect SNI or corrupt framing.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

/**
 * POSTs one webhook attempt. The host is resolved and checked once (see resolveWebhookTarget) and the
 * socket connects to that checked address through a pinned `lookup`, so a DNS answer that changes
 * between check and connect (rebinding) cannot redirect it; Host and TLS SNI still carry the URL's
 * name, so certificates are verified against it. Redirects are not followed (3xx is a failure). The
 * response body is drained up to `maxResponseBytes` and ignored.
 * @returns the 2xx status and the attempt's duration.
 * @throws WebhookDeliveryError: `webhook_target_refused`, `webhook_connection`, `webhook_timeout`
 * (nothing answered within `timeoutMs`), `webhook_http_status` (non-2xx, with `status`).
 */
export async function deliverWebhook(input: DeliverWebhookInput): Promise<WebhookDeliveryResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const target = await withTimeout(resolveWebhookTarget(input.url, { allowPrivate: input.allowPrivate, lookup: input.lookup }), input.timeoutMs);
    const status = await post(target, input, input.timeoutMs - (performance.now() - started));
    if (status < 200 || status > 299) {
      throw new WebhookDeliveryError('webhook_http_status', `receiver at ${target.hostname} answered HTTP ${status}`, { status });
    }
    return { status, durationMs: elapsed() };
  } catch (err) {
    if (err instanceof WebhookDeliveryError) throw err.withDuration(elapsed());
    throw new WebhookDeliveryError('webhook_connection', 'webhook delivery failed unexpectedly', { cause: err, durationMs: elapsed() });
  }
}

function timeoutError(timeoutMs: number): WebhookDeliveryError {
  return new WebhookDeliveryError('webhook_timeout', `receiver did not answer within ${timeoutMs} ms`);
}

// DNS runs on libuv's thread pool and cannot be cancelled; we stop waiting for it instead.
function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError(timeoutMs)), timeoutMs);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

function pinnedLookup(target: WebhookTarget): LookupFunction {
  // Node 20 asks with `all: true` when it may race address families (autoSelectFamily).
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

function requestHeaders(input: DeliverWebhookInput): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(input.headers)) {
    if (!RESERVED_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  headers['content-length'] = Buffer.byteLength(input.body);
  return headers;
}

function post(target: WebhookTarget, input: DeliverWebhookInput, remainingMs: number): Promise<number> {
  if (remainingMs <= 0) return Promise.reject(timeoutError(input.timeoutMs));
  const maxResponseBytes = input.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const https = target.url.protocol === 'https:';

  return new Promise<number>((resolve, reject) => {
    let status: number | undefined;
    let settled = false;
    const settle = (err?: WebhookDeliveryError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      // Once the status line arrived the receiver has answered: a slow or endless body does not undo that.
      if (status !== undefined) resolve(status);
      else reject(err ?? new WebhookDeliveryError('webhook_connection', `connection to ${target.hostname} closed without a response`));
    };

    const req = (https ? httpsRequest : httpRequest)({
      protocol: target.url.protocol,
      hostname: target.hostname,
      port: target.url.port === '' ? undefined : Number(target.url.port),
      path: `${target.url.pathname}${target.url.search}`,
      method: 'POST',
      headers: requestHeaders(input),
      lookup: pinnedLookup(target),
      // A fresh socket per attempt: a pooled one may have been opened under another check.
      agent: false,
      ...(https && isIP(target.hostname) === 0 ? { servername: target.hostname } : {}),
    });
    const timer = setTimeout(() => settle(timeoutError(input.timeoutMs)), remainingMs);

    req.on('response', (res: IncomingMessage) => {
      status = res.statusCode ?? 0;
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxResponseBytes) settle();
      });
      res.on('end', () => settle());
      res.on('error', () => settle());
      res.on('close', () => settle());
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const reason = err.code ?? err.message;
      settle(new WebhookDeliveryError('webhook_connection', `could not deliver to ${target.hostname}: ${reason}`, { cause: err }));
    });
    req.on('close', () => settle());
    req.end(input.body);
  });
}
