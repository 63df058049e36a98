/**
 * A `fetch` for the vendor SDKs that answers from a script instead of the network, and records what
 * the SDK sent. The SDKs themselves stay real: they build the HTTP request from our translated
 * params and parse our replies exactly as they would the vendor's, which makes this the place to
 * compare the bytes on the wire with the recorded traffic.
 */
export type ScriptedReply =
  | { status?: number; headers?: Record<string, string>; json: unknown }
  /** With `stall`, the stream stays open after its events until the request is aborted. */
  | { status?: number; headers?: Record<string, string>; sse: string; stall?: boolean }
  | { status?: number; headers?: Record<string, string>; text: string }
  /** Never answers; rejects with an AbortError when the request's signal aborts. */
  | { hang: true };

export interface RecordedRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface ScriptedFetch {
  fetch: typeof fetch;
  requests: RecordedRequest[];
}

/** Answers the i-th request with the i-th reply (the last reply repeats). */
export function scriptedFetch(...replies: ScriptedReply[]): ScriptedFetch {
  const requests: RecordedRequest[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const text = await request.text();
    requests.push({
      url: new URL(request.url),
      method: request.method,
      headers: Object.fromEntries(request.headers.entries()),
      body: text ? (JSON.parse(text) as unknown) : undefined,
    });
    const reply = replies[Math.min(requests.length - 1, replies.length - 1)]!;
    if ('hang' in reply) return hang(init?.signal ?? undefined);
    const status = reply.status ?? 200;
    if ('json' in reply) return new Response(JSON.stringify(reply.json), { status, headers: { 'content-type': 'application/json', ...reply.headers } });
    if ('text' in reply) return new Response(reply.text, { status, headers: reply.headers });
    return new Response(sseBody(reply.sse, reply.stall ? init?.signal ?? undefined : undefined), { status, headers: { 'content-type': 'text/event-stream', ...reply.headers } });
  };
  return { fetch: fetchImpl as typeof fetch, requests };
}

function hang(signal: AbortSignal | undefined): Promise<Response> {
  return new Promise((_resolve, reject) => {
    const abort = (): void => reject(new DOMException('This operation was aborted', 'AbortError'));
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/**
 * The SSE text as a byte stream, one event per read, as a server flushing each event would send it.
 * Given a signal, it then stalls, and errors with an AbortError when the signal aborts (as a real
 * fetch body does).
 */
function sseBody(text: string, stallUntil: AbortSignal | undefined): ReadableStream<Uint8Array> {
  const events = text.split(/(?<=\n\n|\r\n\r\n)/);
  const encoder = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      const next = events.shift();
      if (next !== undefined) return controller.enqueue(encoder.encode(next));
      if (!stallUntil) return controller.close();
      return new Promise<void>((resolve) => {
        const abort = (): void => {
          controller.error(new DOMException('This operation was aborted', 'AbortError'));
          resolve();
        };
        if (stallUntil.aborted) abort();
        else stallUntil.addEventListener('abort', abort, { once: true });
      });
    },
  });
}
