import type { ServerResponse } from 'node:http';
import { GatewayError } from '../shared/errors/gateway-error.js';

/**
 * Bytes a client may fall behind (SSE data written for it that its socket has not taken yet) before
 * the stream is cut with an error event and the job cancelled. Vendors produce tokens far slower than
 * any live client reads, so only a stalled client reaches it.
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/** How long a cut stream's error event may wait for a client that still does not read, before the socket is closed. */
export const CUT_GRACE_MS = 10_000;

/**
 * One client's SSE response for a streaming completion. Holds at most `maxBufferedBytes` plus one
 * chunk in memory: the write that goes past the bound ends the stream with an OpenAI-shaped error
 * event instead (and `chunk` returns false); the socket is destroyed if the client has not taken it
 * within `CUT_GRACE_MS`. Every end but `done` omits `[DONE]`, so no client mistakes it for success.
 */
export class SseStream {
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly jobId: string,
    private readonly maxBufferedBytes = MAX_BUFFERED_BYTES,
  ) {}

  /** True once the stream was ended (error, cut or [DONE]) or the client went away. */
  get ended(): boolean {
    return this.closed || this.res.destroyed;
  }

  /** Bytes written but not yet taken by the socket. */
  get bufferedBytes(): number {
    return this.res.writableLength;
  }

  get opened(): boolean {
    return this.res.headersSent;
  }

  /** Forwards one chunk (JSON as published). False when the client is past the bound and the stream was cut. */
  chunk(json: string): boolean {
    if (this.ended) return false;
    this.open();
    this.res.write(`data: ${json}\n\n`);
    if (this.res.writableLength <= this.maxBufferedBytes) return true;
    this.fail(new GatewayError('server_error', `The client fell more than ${this.maxBufferedBytes} bytes behind the stream; it was cut.`));
    const timer = setTimeout(() => this.res.destroy(), CUT_GRACE_MS);
    timer.unref();
    this.res.once('close', () => clearTimeout(timer));
    return false;
  }

  /** Ends the stream with an error event and no `[DONE]`. */
  fail(error: GatewayError): void {
    if (this.ended) return;
    this.open();
    this.closed = true;
    this.res.end(`data: ${JSON.stringify(error.toBody())}\n\n`);
  }

  /** Ends the stream as a success: the optional usage chunk, then `[DONE]`. */
  done(usageChunk?: unknown): void {
    if (this.ended) return;
    this.open();
    this.closed = true;
    if (usageChunk) this.res.write(`data: ${JSON.stringify(usageChunk)}\n\n`);
    this.res.end('data: [DONE]\n\n');
  }

  private open(): void {
    if (this.res.headersSent) return;
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-switchyard-job-id': this.jobId,
    });
    this.res.flushHeaders();
  }
}
