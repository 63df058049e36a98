import { Writable } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../shared/errors/gateway-error.js';
import { SseStream } from './sse-stream.js';

/** A response whose client never reads: every write stays buffered. */
function stalledResponse() {
  const written: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, _done) => void written.push(chunk.toString()) });
  const res = Object.assign(sink, { headersSent: false, writeHead: () => ((res.headersSent = true), res), flushHeaders: () => undefined });
  return { res: res as unknown as ServerResponse, written, sink };
}

describe('SseStream backpressure bound', () => {
  it('holds at most the bound plus one chunk, then ends with an error event and no [DONE]', () => {
    const { res, sink } = stalledResponse();
    const sse = new SseStream(res, 'job_1', 1000);
    const chunk = JSON.stringify({ text: 'y'.repeat(90) });
    let accepted = 0;
    while (sse.chunk(chunk)) {
      accepted++;
      expect(sse.bufferedBytes).toBeLessThanOrEqual(1000);
    }
    expect(accepted).toBeGreaterThan(5);
    expect(sse.ended).toBe(true);
    expect(sse.chunk(chunk)).toBe(false);
    expect(sink.writableLength).toBeLessThan(1000 + 2 * (chunk.length + 8) + 400);
    expect(sink.writableEnded).toBe(true);
  });

  it('ends a failed stream with the OpenAI error body and no [DONE], a successful one with [DONE]', () => {
    const reading = () => {
      const out: string[] = [];
      const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (out.push(chunk.toString()), done()) });
      const res = Object.assign(sink, { headersSent: false, writeHead: () => ((res.headersSent = true), res), flushHeaders: () => undefined });
      return { res: res as unknown as ServerResponse, text: () => out.join('') };
    };
    const failed = reading();
    const cut = new SseStream(failed.res, 'job_1');
    cut.chunk('{"n":1}');
    cut.fail(new GatewayError('server_error', 'boom'));
    expect(failed.text()).toContain('data: {"n":1}\n\n');
    expect(failed.text()).toContain('"message":"boom"');
    expect(failed.text()).not.toContain('[DONE]');
    const ok = reading();
    const sse = new SseStream(ok.res, 'job_2');
    sse.chunk('{"n":1}');
    sse.done({ usage: 1 });
    expect(ok.text()).toBe('data: {"n":1}\n\ndata: {"usage":1}\n\ndata: [DONE]\n\n');
  });
});
