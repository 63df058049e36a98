import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { spawnReady, type ReadyProcess } from './spawn-ready.js';

/**
 * Portkey's open-source gateway as the peer in the benchmarks. Installed at run time outside the
 * repository (never committed). `@hono/node-server` is pinned to 1.13.8 because newer versions
 * make Portkey 1.15.2 fail every streaming request (its issues #1389/#1550). A top-level pin is not
 * enough: `@hono/node-ws` 1.3 wants node-server ^1.19 and npm nests one under the gateway, so the pin
 * is an npm override, with node-ws held at 1.2.0 (which accepts ^1.11.1).
 */
export const PORTKEY_VERSION = '1.15.2';
const HONO_NODE_SERVER_VERSION = '1.13.8';
const HONO_NODE_WS_VERSION = '1.2.0';
export const PORTKEY_DIR = process.env.PORTKEY_DIR ?? '/tmp/portkey-bench';

export interface RunningPortkey {
  url: string;
  pid: number;
  version: string;
  /** Headers that make Portkey forward to an OpenAI-compatible upstream at `baseURL`. */
  headers(baseURL: string): Record<string, string>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/**
 * Portkey binds every interface and offers no host option: this preload pins every server it
 * starts to the loopback interface, so nothing is exposed to the network during the benchmark.
 * It also makes SIGTERM a clean exit (Portkey installs no handler).
 */
const LOOPBACK_PRELOAD = `import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'object' && args[0] !== null) args[0] = { ...args[0], host: '127.0.0.1' };
  else if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    const rest = args.slice(1).filter((a) => typeof a !== 'string' && a !== undefined);
    args = [args[0], '127.0.0.1', ...rest];
  }
  return listen.apply(this, args);
};
// Exit cleanly on SIGTERM (Portkey has no handler), so --cpu-prof can write its profile.
process.once('SIGTERM', () => process.exit(0));
`;

function installedVersion(relativeManifest: string): string | undefined {
  const manifest = join(PORTKEY_DIR, 'node_modules', relativeManifest, 'package.json');
  return existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version : undefined;
}

/** Installs Portkey into PORTKEY_DIR unless the pinned versions are already there; returns its entry point. */
export async function installPortkey(): Promise<string> {
  const ready =
    installedVersion('@portkey-ai/gateway') === PORTKEY_VERSION &&
    installedVersion('@hono/node-server') === HONO_NODE_SERVER_VERSION &&
    installedVersion('@portkey-ai/gateway/node_modules/@hono/node-server') === undefined;
  if (!ready) {
    mkdirSync(PORTKEY_DIR, { recursive: true });
    const overrides = { '@hono/node-server': HONO_NODE_SERVER_VERSION, '@hono/node-ws': HONO_NODE_WS_VERSION };
    writeFileSync(join(PORTKEY_DIR, 'package.json'), JSON.stringify({ private: true, dependencies: {}, overrides }, null, 2));
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefix', PORTKEY_DIR, `@portkey-ai/gateway@${PORTKEY_VERSION}`, `@hono/node-server@${HONO_NODE_SERVER_VERSION}`], {
      timeout: 180_000,
      maxBuffer: 8 * 1024 * 1024,
    });
  }
  return join(PORTKEY_DIR, 'node_modules/@portkey-ai/gateway/build/start-server.js');
}

/** Installs (if needed) and starts Portkey on 127.0.0.1; `nodeArgs` go to its node process. */
export async function startPortkey(nodeArgs: string[] = []): Promise<RunningPortkey> {
  const entry = await installPortkey();
  const preload = join(PORTKEY_DIR, 'loopback-only.mjs');
  writeFileSync(preload, LOOPBACK_PRELOAD);
  const port = await freePort();
  const proc: ReadyProcess = await spawnReady(process.execPath, [...nodeArgs, '--import', preload, entry, `--port=${port}`, '--headless'], {
    ready: /Ready for connections/,
    cwd: PORTKEY_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    timeoutMs: 60_000,
  });
  // Stop collecting its output: a gateway that logs per request would otherwise cost the load generator CPU.
  proc.child.stdout?.removeAllListeners('data').resume();
  proc.child.stderr?.removeAllListeners('data').resume();
  return {
    url: `http://127.0.0.1:${port}`,
    pid: proc.pid,
    version: PORTKEY_VERSION,
    headers: (baseURL) => ({ 'x-portkey-provider': 'openai', 'x-portkey-custom-host': baseURL, authorization: 'Bearer sk-bench' }),
    async stop() {
      await proc.stop();
    },
  };
}
