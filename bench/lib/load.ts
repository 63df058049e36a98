import autocannon from 'autocannon';
import { round, summarize, type Summary } from './stats.js';

export interface LoadOptions {
  url: string;
  body: string;
  headers?: Record<string, string>;
  connections: number;
  durationSeconds: number;
  /** Per-request timeout, seconds. */
  timeoutSeconds?: number;
}

export interface LoadResult {
  connections: number;
  durationSeconds: number;
  requests: number;
  /** Successful (2xx) responses per second. */
  rps: number;
  non2xx: number;
  errors: number;
  /** Latency of 2xx responses, ms. */
  latency: Summary;
}

/**
 * A closed-loop load of POSTs (autocannon, `connections` keep-alive connections, one request in
 * flight each) for a fixed time. Latencies are the exact per-response durations, not autocannon's
 * whole-millisecond histogram, so sub-millisecond differences survive.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let non2xx = 0;
  const instance = autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSeconds,
    timeout: options.timeoutSeconds ?? 30,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
    else non2xx += 1;
  });
  const result = await instance;
  return {
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    requests: latencies.length + non2xx,
    rps: round(latencies.length / result.duration, 1),
    non2xx,
    errors: result.errors,
    latency: summarize(latencies),
  };
}
