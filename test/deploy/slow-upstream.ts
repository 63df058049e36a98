import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What became of one upstream request: answered, or dropped by the caller before the answer. */
export type UpstreamOutcome = 'answered' | 'aborted';

export interface UpstreamRequest {
  /** The `content` of the request's last message (tests put a marker there). */
  marker: string;
  outcome: Promise<UpstreamOutcome>;
}

export interface SlowUpstream {
  /** Base URL for an `openai` deployment: `http://127.0.0.1:<port>/v1`. */
  baseURL: string;
  /** Every request received so far, in arrival order. */
  readonly requests: readonly UpstreamRequest[];
  /** Resolves once `count` requests in total have arrived (bounded by the test's timeout). */
  arrived(count: number): Promise<void>;
  /** Answers every held request now, and later ones at once, until `hold()`. */
  release(): void;
  /** Holds every request from now on until `release()`: a vendor call that stays in flight. */
  hold(): void;
  close(): Promise<void>;
}

interface Held {
  res: ServerResponse;
  model: string;
  marker: string;
  settle: (outcome: UpstreamOutcome) => void;
}

/**
 * A local OpenAI-shaped `POST /v1/chat/completions` whose answers the test releases: requests are
 * held (in flight, as long as the test wants) or answered at once. The answer's content is
 * `echo: <marker>`, so a test can tell which request a result came from. Starts holding.
 */
export async function startSlowUpstream(): Promise<SlowUpstream> {
  const requests: UpstreamRequest[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  let held: Held[] = [];
  let holding = true;

  const answer = (call: Held): void => {
    if (call.res.destroyed) return;
    const content = `echo: ${call.marker}`;
    call.res.setHeader('content-type', 'application/json');
    call.res.end(
      JSON.stringify({
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: call.model,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      }),
    );
    call.settle('answered');
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let raw = '';
    req.setEncoding('utf8');
    for await (const chunk of req) raw += chunk as string;
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.statusCode = 404;
      res.end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}');
      return;
    }
    const body = JSON.parse(raw) as { model: string; messages: Array<{ content: unknown }> };
    const last = body.messages.at(-1)?.content;
    let settle: (outcome: UpstreamOutcome) => void = () => undefined;
    const outcome = new Promise<UpstreamOutcome>((resolve) => (settle = resolve));
    const call: Held = { res, model: body.model, marker: typeof last === 'string' ? last : JSON.stringify(last), settle };
    // 'close' before the answer was written means the caller gave up (abort, timeout, process exit).
    res.on('close', () => {
      if (!res.writableFinished) settle('aborted');
    });
    requests.push({ marker: call.marker, outcome });
    for (const w of waiting.filter((x) => requests.length >= x.count)) w.resolve();
    if (holding) held.push(call);
    else answer(call);
  };

  const server = createServer((req, res) => void onRequest(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    arrived(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ count, resolve }));
    },
    release() {
      holding = false;
      const calls = held;
      held = [];
      calls.forEach(answer);
    },
    hold() {
      holding = true;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
