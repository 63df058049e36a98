import { fileURLToPath } from 'node:url';
import { spawnReady, type ReadyProcess } from './spawn-ready.js';

export interface UpstreamSettings {
  delayMs?: number;
  chunks?: number;
  chunkIntervalMs?: number;
  log?: boolean;
}

export interface UpstreamLogEntry {
  /** Wall clock (ms, sub-ms resolution) when the request arrived. */
  t: number;
  /** The first 80 characters of the request's last message. */
  tag: string;
  tokens: number;
}

export interface Upstream {
  /** `http://127.0.0.1:<port>`; the OpenAI base URL is `${url}/v1`. */
  url: string;
  pid: number;
  configure(settings: UpstreamSettings): Promise<void>;
  /** Logged requests from entry `from` on, and the total logged so far. */
  log(from?: number): Promise<{ count: number; entries: UpstreamLogEntry[] }>;
  clearLog(): Promise<void>;
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./upstream-server.ts', import.meta.url));

/** Starts the bench upstream (upstream-server.ts) in its own process, so it does not share an event loop with the load generator. */
export async function startUpstream(settings: UpstreamSettings = {}): Promise<Upstream> {
  const proc: ReadyProcess = await spawnReady(process.execPath, ['--import', 'tsx', SERVER, '0'], { ready: /upstream listening on (http:\/\/127\.0\.0\.1:\d+)/ });
  const url = proc.match[1]!;
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`upstream ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const upstream: Upstream = {
    url,
    pid: proc.pid,
    async configure(next) {
      await call('POST', '/__config', next);
    },
    async log(from = 0) {
      return (await call('GET', `/__log?from=${from}`)) as { count: number; entries: UpstreamLogEntry[] };
    },
    async clearLog() {
      await call('DELETE', '/__log');
    },
    async stop() {
      await proc.stop();
    },
  };
  await upstream.configure(settings);
  return upstream;
}
