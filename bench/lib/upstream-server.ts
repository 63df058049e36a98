/**
 * A minimal OpenAI-compatible upstream for the benchmarks, in plain node:http so it costs as little
 * CPU as possible: `POST /v1/chat/completions` answers a fixed `chat.completion` (after an optional
 * delay) or, with `stream: true`, an SSE stream of chunks at a fixed interval, each chunk's content
 * stamped with its send time so a client can measure per-chunk transit.
 *
 * Control endpoints (bench only):
 * - `POST /__config` `{delayMs?, chunks?, chunkIntervalMs?, log?}` changes the behaviour for later requests.
 * - `GET /__log?from=N` `{count, entries: [{t, tag, tokens}]}` the requests received since entry N
 *   (only while `log` is on): `t` is the wall clock in ms, `tag` the start of the last message.
 *
 * Run alone: `node --import tsx bench/lib/upstream-server.ts [port]` (port 0 picks a free one); it
 * prints `upstream listening on http://127.0.0.1:<port>` once ready. Binds 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { readBody } from './read-body.js';
import { wallClockMs } from './stats.js';

const settingsSchema = z
  .object({
    delayMs: z.number().int().min(0).max(60_000),
    chunks: z.number().int().min(1).max(1000),
    chunkIntervalMs: z.number().int().min(0).max(10_000),
    log: z.boolean(),
  })
  .partial()
  .strict();

type Settings = Required<z.infer<typeof settingsSchema>>;
const settings: Settings = { delayMs: 0, chunks: 10, chunkIntervalMs: 5, log: false };

/** Received-request log, bounded so a runaway client cannot exhaust memory. */
const MAX_LOG_ENTRIES = 200_000;
const requestLog: Array<{ t: number; tag: string; tokens: number }> = [];

const USAGE = { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 };
const COMPLETION = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the bench upstream.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: USAGE,
    system_fingerprint: null,
  }),
);

const requestSchema = z.object({
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  messages: z.array(z.object({ content: z.unknown() })).optional(),
});

function sendJson(res: ServerResponse, status: number, body: Buffer | string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function chunk(delta: Record<string, unknown>, finishReason: string | null): string {
  const body = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finishReason }] };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/** Streams `settings.chunks` content chunks; chunk i's content is `<i>@<send time ms> `. */
function stream(res: ServerResponse, includeUsage: boolean, plan: Settings): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let sent = 0;
  const next = (): void => {
    if (res.destroyed) return;
    const content = `${sent}@${wallClockMs().toFixed(3)} `;
    res.write(chunk(sent === 0 ? { role: 'assistant', content } : { content }, null));
    sent += 1;
    if (sent < plan.chunks) {
      setTimeout(next, plan.chunkIntervalMs);
      return;
    }
    let tail = chunk({}, 'stop');
    if (includeUsage) tail += `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', choices: [], usage: USAGE })}\n\n`;
    res.end(`${tail}data: [DONE]\n\n`);
  };
  next();
}

async function completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const received = wallClockMs();
  const parsed = requestSchema.safeParse(JSON.parse(await readBody(req)));
  if (!parsed.success) {
    sendJson(res, 400, JSON.stringify({ error: { message: 'bad request', type: 'invalid_request_error', param: null, code: null } }));
    return;
  }
  const request = parsed.data;
  if (settings.log && requestLog.length < MAX_LOG_ENTRIES) {
    const last = request.messages?.[request.messages.length - 1]?.content;
    requestLog.push({ t: received, tag: typeof last === 'string' ? last.slice(0, 80) : '', tokens: USAGE.total_tokens });
  }
  const plan = { ...settings };
  const answer = (): void => {
    if (request.stream) stream(res, request.stream_options?.include_usage === true, plan);
    else sendJson(res, 200, COMPLETION);
  };
  if (plan.delayMs > 0) setTimeout(answer, plan.delayMs);
  else answer();
}

async function control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'POST' && url.pathname === '/__config') {
    const update = settingsSchema.parse(JSON.parse(await readBody(req)));
    Object.assign(settings, update);
    sendJson(res, 200, JSON.stringify(settings));
    return;
  }
  if (req.method === 'GET' && url.pathname === '/__log') {
    const from = Math.max(0, Number(url.searchParams.get('from') ?? 0) || 0);
    sendJson(res, 200, JSON.stringify({ count: requestLog.length, entries: requestLog.slice(from) }));
    return;
  }
  if (req.method === 'DELETE' && url.pathname === '/__log') {
    requestLog.length = 0;
    sendJson(res, 200, '{}');
    return;
  }
  sendJson(res, 404, JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } }));
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://upstream');
  const handler = req.method === 'POST' && url.pathname === '/v1/chat/completions' ? completions(req, res) : control(req, res, url);
  handler.catch((err: unknown) => {
    if (!res.headersSent) sendJson(res, 500, JSON.stringify({ error: { message: String(err), type: 'server_error', param: null, code: null } }));
    else res.destroy();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`upstream listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
