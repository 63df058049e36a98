import { Agent, request } from 'node:http';
import { wallClockMs } from './stats.js';

export interface StreamTiming {
  /** Request start → first chunk with content, ms. */
  ttftMs: number;
  /** Per content chunk: arrival − the upstream's send stamp inside it, ms (one-way transit). */
  transitMs: number[];
  /** Gaps between consecutive content chunks' arrivals, ms. */
  gapsMs: number[];
  chunks: number;
  done: boolean;
}

const STAMP = /(\d+)@(\d+\.\d+)/;

/**
 * Sends one streaming chat completion and times its SSE events as they arrive, reading the send
 * stamps the bench upstream puts in each chunk's content (`<i>@<ms> `). Rejects on a non-200
 * status, on an `error` event, or after `timeoutMs`.
 */
export function timeStream(url: string, headers: Record<string, string>, body: string, agent: Agent, timeoutMs = 30_000): Promise<StreamTiming> {
  return new Promise((resolve, reject) => {
    const started = wallClockMs();
    const timing: StreamTiming = { ttftMs: Number.NaN, transitMs: [], gapsMs: [], chunks: 0, done: false };
    let lastArrival = Number.NaN;
    let buffer = '';
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => reject(new Error(`status ${res.statusCode}: ${text.slice(0, 300)}`)));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (data: string) => {
        const arrival = wallClockMs();
        buffer += data;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const payload = event.split('\n').find((line) => line.startsWith('data:'))?.slice(5).trim();
          if (!payload) continue;
          if (payload === '[DONE]') {
            timing.done = true;
            continue;
          }
          if (payload.includes('"error"')) {
            req.destroy();
            reject(new Error(`error event: ${payload.slice(0, 300)}`));
            return;
          }
          const stamp = STAMP.exec(payload);
          if (!stamp) continue;
          if (timing.chunks === 0) timing.ttftMs = arrival - started;
          else timing.gapsMs.push(arrival - lastArrival);
          timing.transitMs.push(arrival - Number(stamp[2]));
          timing.chunks += 1;
          lastArrival = arrival;
        }
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(timing);
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`stream timed out after ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
