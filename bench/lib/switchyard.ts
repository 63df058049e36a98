import { randomBytes } from 'node:crypto';
import type { SwitchyardConfigInput } from '../../shared/config/config-schema.js';
import { ensureCompiledBuild } from '../../test/helpers/compiled-build.js';
import { spawnRole, type RoleProcess, type RoleRuntime } from '../../test/helpers/spawn-role.js';
import { Redis } from 'ioredis';
import { deletePrefix, TEST_REDIS_URL } from '../../test/helpers/test-redis.js';

export const BENCH_MODEL = 'gpt-4o-mini';

/** How the gateway is laid out: one `all` process, or one API process plus `workers` worker processes. */
export type Topology = { kind: 'all' } | { kind: 'split'; workers: number };

export interface RunningSwitchyard {
  /** `http://127.0.0.1:<port>` of the API. */
  url: string;
  /** A virtual key created for the run. */
  key: string;
  /** That key's webhook signing secret. */
  webhookSecret: string;
  prefix: string;
  /** The API-serving process (the `all` process in that topology). */
  api: RoleProcess;
  /** Worker processes (empty for `all`). */
  workers: RoleProcess[];
  /** Stops every process, then deletes every Redis key of the run's prefix. */
  stop(): Promise<void>;
}

/**
 * How the benchmarks run Switchyard: compiled, as the Docker image runs it (the default), or from
 * the sources under tsx with BENCH_RUNTIME=tsx (as `npm start` does).
 */
export function benchRuntime(): RoleRuntime {
  const value = process.env.BENCH_RUNTIME ?? 'compiled';
  if (value !== 'compiled' && value !== 'tsx') throw new Error(`BENCH_RUNTIME must be 'compiled' or 'tsx', not '${value}'`);
  return value;
}

/** A unique Redis key prefix for one benchmark run. */
export function benchPrefix(label: string): string {
  return `sybench-${label}-${randomBytes(4).toString('hex')}`;
}

/**
 * The benchmark config: one deployment, `upstream`, an OpenAI-compatible endpoint at `baseURL`
 * serving the `gpt-4o-mini` alias; caches off (a cache hit would skip the queue we measure); logs at
 * warn. `deployment` overrides the deployment's fields (rpm, tpm, concurrency, provider…).
 */
export function benchConfig(options: { prefix: string; adminKey: string; baseURL?: string; deployment?: Record<string, unknown>; redisUrl?: string }): SwitchyardConfigInput {
  const deployment = options.baseURL
    ? { provider: 'openai-compatible' as const, apiKey: 'sk-bench', baseURL: options.baseURL, concurrency: 128, ...options.deployment }
    : { provider: 'mock' as const, concurrency: 128, ...options.deployment };
  return {
    server: { port: 0, host: '127.0.0.1', adminKey: options.adminKey, logLevel: 'warn', shutdownGraceMs: 1000 },
    redis: { url: options.redisUrl ?? TEST_REDIS_URL, keyPrefix: options.prefix },
    deployments: { upstream: deployment as SwitchyardConfigInput['deployments'][string] },
    models: { [BENCH_MODEL]: [{ deployment: 'upstream', model: BENCH_MODEL }] },
    cache: { exact: { enabled: false }, semantic: { enabled: false } },
  };
}

/**
 * Starts Switchyard as real OS processes (test/helpers/spawn-role.ts) and creates a virtual key.
 * `nodeArgs` go to every process (e.g. `--cpu-prof`); `redisUrl` defaults to the shared test Redis.
 */
export async function startSwitchyard(
  topology: Topology,
  options: {
    label: string;
    baseURL?: string;
    deployment?: Record<string, unknown>;
    nodeArgs?: string[];
    redisUrl?: string;
    /** Changes the bench config before it is written (more deployments and routes, webhook rules…). */
    configure?: (config: SwitchyardConfigInput) => SwitchyardConfigInput;
  },
): Promise<RunningSwitchyard> {
  const prefix = benchPrefix(options.label);
  const adminKey = `sy-admin-bench-${randomBytes(12).toString('hex')}`;
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const base = benchConfig({ prefix, adminKey, baseURL: options.baseURL, deployment: options.deployment, redisUrl });
  const config = options.configure ? options.configure(base) : base;
  const runtime = benchRuntime();
  if (runtime === 'compiled') ensureCompiledBuild();
  const started: RoleProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.map((p) => p.stop()));
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    await deletePrefix(redis, prefix);
    await redis.quit();
  };
  try {
    const workers: RoleProcess[] = [];
    if (topology.kind === 'split') {
      for (let i = 0; i < topology.workers; i++) {
        const worker = await spawnRole('worker', config, {}, options.nodeArgs ?? [], runtime);
        started.push(worker);
        workers.push(worker);
      }
    }
    const api = await spawnRole(topology.kind === 'all' ? 'all' : 'api', config, {}, options.nodeArgs ?? [], runtime);
    started.push(api);
    const url = /API:\s+(http:\/\/[^\s/]+)\/v1/.exec(api.output())?.[1];
    if (!url) throw new Error(`could not find the API URL in:\n${api.output()}`);
    const res = await fetch(`${url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ team: 'bench' }),
    });
    if (res.status !== 201) throw new Error(`creating a key: ${res.status} ${await res.text()}`);
    const { key, webhook_secret: webhookSecret } = (await res.json()) as { key: string; webhook_secret: string };
    return { url, key, webhookSecret, prefix, api, workers, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
