import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliToExit } from '../helpers/run-cli.js';
import { spawnRole } from '../helpers/spawn-role.js';
import { testConfig, TEST_ADMIN_KEY } from '../helpers/test-gateway.js';
import { deletePrefix, testRedis } from '../helpers/test-redis.js';

/** Where a stack trace would show: V8's "    at fn (file:line:col)" frames. */
const STACK_FRAME = /^\s+at .+/m;

async function listen(): Promise<Server> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = await listen();
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectCleanFailure(run: { code: number | null; stderr: string }): void {
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^switchyard: /);
  expect(run.stderr).not.toMatch(STACK_FRAME);
  expect(run.stderr).not.toContain('UnhandledPromiseRejection');
}

describe('switchyard CLI start-up', () => {
  const config = testConfig();
  const prefixes: string[] = [config.redis.keyPrefix];
  afterAll(async () => {
    const redis = testRedis();
    for (const prefix of prefixes) await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('exits 1 with one message naming the place when the YAML does not parse', async () => {
    const run = await runCliToExit('deployments:\n  local: { provider: mock\nmodels: [\n');
    expectCleanFailure(run);
    expect(run.stderr).toContain('not valid YAML');
    expect(run.stderr).toMatch(/line \d+, column \d+/);
  });

  it('exits 1 listing every problem of an invalid config', async () => {
    const run = await runCliToExit(stringify({ deployments: { local: { provider: 'nope' } }, models: { mock: [{ deployment: 'missing', model: 'x' }] }, server: { port: 'eighty' } }));
    expectCleanFailure(run);
    expect(run.stderr).toContain('Invalid configuration');
    expect(run.stderr).toContain('deployments.local.provider');
    expect(run.stderr).toContain('server.port');
  });

  it('exits 1 naming the missing files when cache.embedder points at a folder that is not a model', async () => {
    const run = await runCliToExit(stringify({ ...config, cache: { semantic: { enabled: true }, embedder: { kind: 'transformers', path: '/nonexistent/all-MiniLM-L6-v2' } } }));
    expectCleanFailure(run);
    expect(run.stderr).toContain("cache.embedder.path '/nonexistent/all-MiniLM-L6-v2' is not a model folder: missing config.json, tokenizer.json, onnx/model.onnx");
  });

  it('exits 1 saying the port is in use when another process holds it', async () => {
    const holder = await listen();
    const { port } = holder.address() as AddressInfo;
    try {
      const run = await runCliToExit(stringify({ ...config, server: { ...config.server, port } }));
      expectCleanFailure(run);
      expect(run.stderr).toContain(`Port ${port} is already in use`);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('exits 1 explaining how to get Redis when none answers and no redis-server is on PATH', async () => {
    const port = await closedPort();
    // An empty PATH directory: node is spawned by absolute path, and no redis-server can be found.
    const bareBin = mkdtempSync(join(tmpdir(), 'switchyard-nobin-'));
    const run = await runCliToExit(stringify(config), { REDIS_URL: `redis://127.0.0.1:${port}`, PATH: bareBin });
    expectCleanFailure(run);
    expect(run.stderr).toContain(`No Redis answers at redis://127.0.0.1:${port}`);
    expect(run.stderr).toContain('no redis-server binary is on PATH');
    expect(run.stderr).toContain('apt-get install redis-server');
  });

  it('prints the API URL, the Bull Board URL and the admin key on a normal start', async () => {
    const role = await spawnRole('all', config);
    try {
      const output = role.output();
      const url = /API:\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(output)?.[1];
      expect(url).toBeDefined();
      expect(output).toContain(`Bull Board: ${url}/admin/queues`);
      expect(output).toContain(`Admin key:  ${TEST_ADMIN_KEY}`);
      // The printed URL and key are the ones that work.
      const board = await fetch(`${url}/admin/queues`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
      expect(board.status).toBe(200);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      expect(await role.stop()).toBe(0);
    }
  });
});
