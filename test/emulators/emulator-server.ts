import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultPlan, type EmulatorFault } from './fault-plan.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  at: number;
  /** Resolves 'answered' when a response was written, 'aborted' when the client hung up first. */
  outcome: Promise<'answered' | 'aborted'>;
}

/** What a vendor emulator implements: its auth check and its normal answers. */
export interface VendorBehaviour {
  /** Null when authorised, else the fault (recorded 401) to answer with. */
  authorise(req: IncomingMessage): EmulatorFault | null;
  /** Writes the normal answer (JSON or SSE), honouring the stream faults of `fault` (cut, mid-stream error). */
  answer(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, fault: EmulatorFault | null): void;
}

export interface Emulator {
  /** Base URL to hand the SDK. */
  url: string;
  requests: RecordedRequest[];
  faults: FaultPlan;
  /** Latency added to every normal response. */
  latencyMs: number;
  /** Resolves when `count` requests in all have arrived. */
  arrived(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The HTTP shell every vendor emulator shares: records each request (and whether its client hung
 * up), applies the next injected fault (latency, hang, reset, status, malformed body, cut stream),
 * and otherwise lets the vendor behaviour answer. Listens on 127.0.0.1 only.
 */
export async function startEmulatorServer(behaviour: VendorBehaviour, basePath: string): Promise<Emulator> {
  const requests: RecordedRequest[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const faults = new FaultPlan();
  const sockets = new Set<Socket>();
  const state = { latencyMs: 0 };

  const server = createServer((req, res) => void handle(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    req.setEncoding('utf8');
    for await (const chunk of req) raw += chunk as string;
    let settle: (o: 'answered' | 'aborted') => void = () => undefined;
    const outcome = new Promise<'answered' | 'aborted'>((resolve) => (settle = resolve));
    res.on('close', () => settle(res.writableFinished ? 'answered' : 'aborted'));
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return sendFault(res, { status: 400, body: { error: { message: 'invalid JSON' } } });
    }
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now(), outcome });
    for (const w of waiting.filter((x) => requests.length >= x.count)) w.resolve();

    const refusal = behaviour.authorise(req);
    if (refusal) return sendFault(res, refusal);
    const fault = faults.next();
    const delay = fault?.latencyMs ?? state.latencyMs;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (fault?.until) await fault.until;
    if (fault?.hang) return;
    if (fault?.resetConnection) return void req.socket.destroy();
    if (fault?.status) return sendFault(res, fault);
    if (fault?.malformed) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"id": "broken", "content": [');
    }
    behaviour.answer(req, res, body, fault);
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,
    faults,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    arrived(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ count, resolve }));
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function sendFault(res: ServerResponse, fault: EmulatorFault): void {
  const body = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body ?? {});
  res.writeHead(fault.status ?? 500, { 'content-type': 'application/json', ...fault.headers });
  res.end(body);
}

/**
 * Writes SSE events. With `fault.cutStreamAfterChunks` only that many go out, then either the
 * `errorEvent` (a vendor's in-stream error, when `fault.midStreamError`) ends the stream, or the
 * connection closes mid-body (FIN, so what was sent still arrives) without the proper end. With
 * `fault.stallStreamAfterChunks` that many go out and the connection stays open, silent but for
 * `keepAliveEvent` every `fault.keepAliveMs`, until the client hangs up.
 */
export function writeSse(res: ServerResponse, events: string[], end: string, fault: EmulatorFault | null, errorEvent = '', keepAliveEvent = ''): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  if (fault?.stallStreamAfterChunks !== undefined) {
    for (const event of events.slice(0, fault.stallStreamAfterChunks)) res.write(event);
    if (fault.keepAliveMs && keepAliveEvent) {
      const timer = setInterval(() => res.write(keepAliveEvent), fault.keepAliveMs);
      res.on('close', () => clearInterval(timer));
    }
    return;
  }
  const cutAfter = fault?.cutStreamAfterChunks;
  const sent = cutAfter === undefined ? events : events.slice(0, cutAfter);
  for (const event of sent) res.write(event);
  if (sent.length === events.length) return void res.end(end);
  if (fault?.midStreamError && errorEvent) return void res.end(errorEvent);
  res.write('', () => res.socket?.end());
}

/** Words of a text, the emulators' token unit. */
export function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}
