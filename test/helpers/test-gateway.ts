import { pino } from 'pino';
import OpenAI from 'openai';
import { startGateway, type Gateway } from '../../bin/gateway.js';
import { parseConfig } from '../../shared/config/load-config.js';
import type { SwitchyardConfig, SwitchyardConfigInput } from '../../shared/config/config-schema.js';
import type { ProviderRuntime } from '../../workers/providers/provider-runtime.js';
import { deletePrefix, testPrefix, testRedis, TEST_REDIS_URL } from './test-redis.js';

export const TEST_ADMIN_KEY = 'sy-admin-test-key-0123456789';

/** Fast BullMQ lock/stall settings so crash recovery is observable in seconds, not minutes. */
export const FAST_WORKERS = { lockDurationMs: 2000, stalledIntervalMs: 1000, maxStalledCount: 5, retryBaseDelayMs: 20, retryMaxDelayMs: 500 };

/** A config for tests: its own key prefix, port 0, loopback webhooks allowed, fast lock settings. */
export function testConfig(input: Partial<SwitchyardConfigInput> = {}, prefix = testPrefix('gw')): SwitchyardConfig {
  return parseConfig({
    deployments: { local: { provider: 'mock' } },
    models: { mock: [{ deployment: 'local', model: 'mock-1' }] },
    // Off unless a test is about caching: a hit would answer in place of the worker a test watches.
    cache: { exact: { enabled: false }, semantic: { enabled: false } },
    ...input,
    server: { port: 0, host: '127.0.0.1', adminKey: TEST_ADMIN_KEY, logLevel: 'silent', ...input.server },
    redis: { url: TEST_REDIS_URL, keyPrefix: prefix, ...input.redis },
    workers: { ...FAST_WORKERS, ...input.workers },
    webhooks: { allowPrivate: true, backoffMs: 50, ...input.webhooks },
  });
}

export interface TestGateway extends Gateway {
  url: string;
  config: SwitchyardConfig;
  /** Creates a virtual key for a team through the admin API. */
  createKey(team: string): Promise<{ id: string; key: string; webhook_secret: string }>;
  /** An official OpenAI SDK client pointed at the gateway. */
  client(key: string): OpenAI;
  admin(path: string, init?: RequestInit): Promise<Response>;
}

/** Starts an in-process gateway (API and/or workers) for a test; `close` also deletes its keys. */
export async function startTestGateway(
  config: SwitchyardConfig,
  options: { roles?: { api: boolean; worker: boolean }; runtimes?: Map<string, ProviderRuntime>; batches?: boolean } = {},
): Promise<TestGateway> {
  const gateway = await startGateway({
    config,
    roles: options.roles ?? { api: true, worker: true },
    logger: pino({ level: 'silent' }),
    runtimes: options.runtimes,
    batches: options.batches,
  });
  const url = gateway.url ?? '';
  const admin = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json', ...init.headers } });
  return {
    ...gateway,
    url,
    config,
    admin,
    async createKey(team) {
      const res = await admin('/admin/keys', { method: 'POST', body: JSON.stringify({ team }) });
      if (res.status !== 201) throw new Error(`createKey: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string; key: string; webhook_secret: string };
    },
    client(key) {
      return new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
    },
    async close(graceMs = 1000) {
      await gateway.close(graceMs);
      const redis = testRedis();
      await deletePrefix(redis, config.redis.keyPrefix);
      await redis.quit();
    },
  };
}
