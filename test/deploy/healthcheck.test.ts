import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

/** The image's HEALTHCHECK script (deploy/healthcheck.mjs), run with plain node as Docker runs it. */

const SCRIPT = new URL('../../deploy/healthcheck.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sy-health-'));

/** A PID 1 command line as /proc/1/cmdline holds it (NUL-separated). */
function cmdline(name: string, args: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${args.join('\0')}\0`);
  return path;
}

async function check(cmdlineFile: string, port: number): Promise<number | null> {
  const child = spawn(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH ?? '', SWITCHYARD_HEALTH_CMDLINE: cmdlineFile, PORT: String(port) }, stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('deploy/healthcheck.mjs', () => {
  let gateway: TestGateway;
  let failing: Server;
  let failingPort: number;
  let closedPort: number;
  const api = cmdline('api', ['node', 'dist/bin/switchyard.js', 'api']);
  const apiUnderInit = cmdline('init-api', ['/sbin/docker-init', '--', 'node', 'dist/bin/switchyard.js', 'api']);
  const worker = cmdline('worker', ['/sbin/docker-init', '--', 'node', 'dist/bin/switchyard.js', 'worker']);
  const noRole = cmdline('all', ['node', 'dist/bin/switchyard.js']);

  beforeAll(async () => {
    gateway = await startTestGateway(testConfig(), { roles: { api: true, worker: false } });
    failing = createServer((_req, res) => res.writeHead(503).end());
    failingPort = await listen(failing);
    const probe = createServer();
    closedPort = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));
  });

  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => failing?.close(resolve));
  });

  it('passes for an API role whose /healthz answers, with or without docker-init as PID 1', async () => {
    const port = Number(new URL(gateway.url).port);
    expect(await check(api, port)).toBe(0);
    expect(await check(apiUnderInit, port)).toBe(0);
    expect(await check(noRole, port)).toBe(0);
  });

  it('fails for an API role whose port is closed or answers non-2xx', async () => {
    expect(await check(api, closedPort)).toBe(1);
    expect(await check(noRole, closedPort)).toBe(1);
    expect(await check(api, failingPort)).toBe(1);
  });

  it('passes for a worker, which serves no HTTP, while its process runs', async () => {
    expect(await check(worker, closedPort)).toBe(0);
  });
});
