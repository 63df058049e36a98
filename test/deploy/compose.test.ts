import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../shared/config/load-config.js';
import { durationMs, interpolate, interpolateTree, MissingVariableError, parseCompose } from './compose-file.js';
import { dockerfileStages, dockerignored } from './dockerfile.js';

/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine (none runs on these
 * machines): structure, healthchecks, ports, volumes, start order, secrets, and the mounted config
 * loaded by the project's own loader exactly as a container would. deploy/README.md has the manual
 * checks (`docker compose config`, `docker compose up --scale worker=3`).
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

const healthcheck = z.object({ test: z.array(z.string()).min(2), interval: z.string().optional(), timeout: z.string().optional(), retries: z.number().optional() }).strict();
const service = z
  .object({
    image: z.string().optional(),
    build: z.object({ context: z.string(), dockerfile: z.string() }).strict().optional(),
    command: z.array(z.string()).optional(),
    container_name: z.string().optional(),
    ports: z.array(z.string()).optional(),
    environment: z.record(z.string(), z.string()).optional(),
    volumes: z.array(z.union([z.string(), z.object({ type: z.string(), source: z.string(), target: z.string(), read_only: z.boolean().optional() }).strict()])).optional(),
    depends_on: z.record(z.string(), z.object({ condition: z.string() }).strict()).optional(),
    healthcheck: healthcheck.extend({ start_period: z.string().optional() }).optional(),
    init: z.boolean().optional(),
    restart: z.string().optional(),
    stop_grace_period: z.string().optional(),
  })
  .strict();
const composeSchema = z.object({ name: z.string(), services: z.record(z.string(), service), volumes: z.record(z.string(), z.null()) }).passthrough();

const raw = parseCompose(read('docker-compose.yml'));
const compose = composeSchema.parse(raw);
const { redis, qdrant, api, worker } = compose.services;
const HOST_ENV = { SWITCHYARD_ADMIN_KEY: 'sy-admin-compose-dummy-0123456789', OPENAI_API_KEY: 'sk-dummy-openai' };

describe('docker-compose.yml', () => {
  it('has exactly the redis, qdrant, api and worker services, api and worker from one image built by the Dockerfile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'qdrant', 'redis', 'worker']);
    expect(redis?.image).toMatch(/^redis:7(\.|$)/);
    expect(qdrant?.image).toMatch(/^qdrant\/qdrant:v\d+\.\d+\.\d+$/);
    for (const app of [api, worker]) {
      expect(app?.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect(existsSync(resolve(ROOT, app!.build!.context, app!.build!.dockerfile))).toBe(true);
    }
    expect(api?.image).toBe(worker?.image);
    // The image's ENTRYPOINT is `node dist/bin/switchyard.js`; the command is the role.
    expect(api?.command).toEqual(['api']);
    expect(worker?.command).toEqual(['worker']);
  });

  it('runs Redis with an append-only file on a named volume, noeviction, and a redis-cli ping healthcheck', () => {
    const command = redis!.command!.join(' ');
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    expect(redis!.healthcheck!.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(redis!.volumes).toContain('redis-data:/data');
    expect(compose.volumes).toHaveProperty('redis-data');
  });

  it('runs Qdrant with a storage volume and a healthcheck on /readyz that needs no curl', () => {
    expect(qdrant!.volumes).toContain('qdrant-data:/qdrant/storage');
    expect(compose.volumes).toHaveProperty('qdrant-data');
    expect(compose.volumes).toHaveProperty('files-data');
    const test = qdrant!.healthcheck!.test;
    expect(test.slice(0, 2)).toEqual(['CMD', 'bash']);
    expect(test.join(' ')).toMatch(/\/dev\/tcp\/127\.0\.0\.1\/6333/);
    expect(test.join(' ')).toMatch(/GET \/readyz/);
    expect(test.join(' ')).not.toMatch(/\b(curl|wget)\b/);
  });

  it('publishes only the API port (8080 in the container, the config port) and checks the API on /readyz', () => {
    expect(api!.ports).toHaveLength(1);
    const [published, target] = splitPort(interpolate(api!.ports![0]!, {}));
    expect([published, target]).toEqual(['8080', '8080']);
    expect(splitPort(interpolate(api!.ports![0]!, { SWITCHYARD_PORT: '9000' }))).toEqual(['9000', '8080']);
    for (const name of ['redis', 'qdrant', 'worker']) expect(compose.services[name]!.ports).toBeUndefined();
    const test = api!.healthcheck!.test;
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(test[3]).toContain("fetch('http://127.0.0.1:8080/readyz')");
  });

  it('lets the worker scale: no container_name, no ports, and the image healthcheck (no HTTP in a worker)', () => {
    expect(worker).not.toHaveProperty('container_name');
    expect(worker).not.toHaveProperty('ports');
    expect(worker).not.toHaveProperty('healthcheck');
    for (const [name, s] of Object.entries(compose.services)) expect(s.container_name, name).toBeUndefined();
  });

  it('starts api and worker only once Redis and Qdrant are healthy', () => {
    for (const app of [api, worker]) {
      expect(app!.depends_on).toEqual({ redis: { condition: 'service_healthy' }, qdrant: { condition: 'service_healthy' } });
    }
  });

  it('mounts the host config read-only where SWITCHYARD_CONFIG points', () => {
    for (const app of [api, worker]) {
      const mount = configMount(app!);
      expect(mount).toMatchObject({ type: 'bind', source: './deploy/switchyard.compose.yaml', read_only: true });
      expect(existsSync(join(ROOT, mount.source))).toBe(true);
      expect(app!.environment!.SWITCHYARD_CONFIG).toBe(mount.target);
    }
  });

  it('takes secrets from the host environment and refuses to start without the required ones', () => {
    for (const app of [api, worker]) {
      const env = app!.environment!;
      expect(env.SWITCHYARD_ADMIN_KEY).toMatch(/^\$\{SWITCHYARD_ADMIN_KEY:\?[^}]+\}$/);
      expect(env.OPENAI_API_KEY).toMatch(/^\$\{OPENAI_API_KEY:\?[^}]+\}$/);
      expect(() => interpolateTree(env, { OPENAI_API_KEY: 'x' })).toThrow(MissingVariableError);
      expect(() => interpolateTree(env, { SWITCHYARD_ADMIN_KEY: 'x'.repeat(16), OPENAI_API_KEY: '' })).toThrow(/OPENAI_API_KEY/);
    }
    // No credential is written into the files themselves.
    expect(read('docker-compose.yml')).not.toMatch(/sk-[A-Za-z0-9]{8,}/);
    const mounted = z
      .object({ server: z.object({}).passthrough(), deployments: z.record(z.string(), z.object({ apiKey: z.string().optional() }).passthrough()) })
      .passthrough()
      .parse(parseCompose(read('deploy/switchyard.compose.yaml')));
    expect(mounted.server).not.toHaveProperty('adminKey');
    for (const deployment of Object.values(mounted.deployments)) {
      if (deployment.apiKey !== undefined) expect(deployment.apiKey).toMatch(/^\$\{[A-Z0-9_]+\}$/);
    }
  });

  it.each(['api', 'worker'])('gives the %s container a config the project loader accepts, with the secrets and Redis from the environment', (name) => {
    const app = compose.services[name]!;
    const env = interpolateTree(app.environment, HOST_ENV) as Record<string, string>;
    // Inside the container SWITCHYARD_CONFIG is the mount target; here it is the mounted host file.
    const mount = configMount(app);
    const { config, source } = loadConfig({ ...env, SWITCHYARD_CONFIG: join(ROOT, mount.source) }, ROOT);
    expect(source).toBe(join(ROOT, 'deploy/switchyard.compose.yaml'));
    expect(config.server.adminKey).toBe(HOST_ENV.SWITCHYARD_ADMIN_KEY);
    expect(config.deployments['openai-main']).toMatchObject({ provider: 'openai', apiKey: HOST_ENV.OPENAI_API_KEY });
    expect(config.redis.url).toBe('redis://redis:6379');
    expect(config.server.host).toBe('0.0.0.0');
    // Semantic cache vectors in the compose Qdrant; Batch API files on the shared volume.
    expect(config.cache.semantic.store).toBe('qdrant');
    expect(config.cache.qdrant.url).toBe(env.QDRANT_URL);
    expect(new URL(env.QDRANT_URL!).hostname).toBe('qdrant');
    expect(config.batches.storage).toEqual({ kind: 'local', directory: '/var/lib/switchyard/files' });
    expect(app.volumes).toContain('files-data:/var/lib/switchyard/files');
    expect(String(config.server.port)).toBe(splitPort(interpolate(api!.ports![0]!, {}))[1]);
    // Docker SIGKILLs at stop_grace_period: the drain must fit inside it, with room to close.
    expect(durationMs(app.stop_grace_period!)).toBeGreaterThanOrEqual(config.server.shutdownGraceMs + 5_000);
    expect(app.init).toBe(true);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages(read('Dockerfile'));
  const ignore = read('.dockerignore');

  it('builds in a stage with dev dependencies and runs from a slim stage with production dependencies only', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    const [build, runtime] = stages;
    expect(build!.run).toContain('npm ci --no-audit --no-fund');
    expect(build!.run).toContain('npm run build');
    expect(runtime!.run.some((r) => /^npm ci --omit=dev\b/.test(r))).toBe(true);
    expect(runtime!.run.some((r) => /npm run build|npm (ci|install)(?!.*--omit=dev)/.test(r))).toBe(false);
    expect(runtime!.from).toMatch(/node:20-slim|\$\{NODE_IMAGE\}/);
    expect(runtime!.copy).toContainEqual({ from: 'build', args: ['/app/dist', './dist'] });
  });

  it('runs as a non-root user, the role as the command, with a healthcheck', () => {
    const runtime = stages.at(-1)!;
    expect(runtime.user).toBe('node');
    expect(runtime.instructions.lastIndexOf('USER')).toBeLessThan(runtime.instructions.lastIndexOf('ENTRYPOINT'));
    expect(runtime.entrypoint).toEqual(['node', 'dist/bin/switchyard.js']);
    expect(runtime.cmd).toEqual(['api']);
    expect(runtime.healthcheck).toEqual(['node', 'deploy/healthcheck.mjs']);
    // The files volume's mount point exists and belongs to that user, so a fresh volume is writable.
    expect(runtime.run).toContain('chown -R node:node /var/lib/switchyard');
    // tsconfig.build.json emits bin/switchyard.ts to exactly that path.
    const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { outDir: string; rootDir: string }; include: string[] };
    expect(build.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
    expect(build.include).toEqual(expect.arrayContaining(['api', 'workers', 'shared', 'bin']));
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const sources = stages.flatMap((s) => s.copy.filter((c) => c.from === undefined).flatMap((c) => c.args.slice(0, -1)));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'api', 'workers', 'shared', 'bin', 'deploy/healthcheck.mjs']));
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(dockerignored(ignore, source), source).toBe(false);
    }
    // Secrets and bulk stay out of the context.
    for (const path of ['switchyard.yaml', '.env', 'node_modules', '.git', 'dist', 'deploy/switchyard.compose.yaml']) {
      expect(dockerignored(ignore, path), path).toBe(true);
    }
  });
});

function splitPort(mapping: string): [string, string] {
  const parts = mapping.split(':');
  return [parts.at(-2) ?? '', parts.at(-1) ?? ''];
}

function configMount(app: z.infer<typeof service>): { type: string; source: string; target: string; read_only?: boolean } {
  const mount = app.volumes?.find((v) => typeof v === 'object' && v.target === '/etc/switchyard/switchyard.yaml');
  if (!mount || typeof mount === 'string') throw new Error('no config mount at /etc/switchyard/switchyard.yaml');
  return mount;
}
