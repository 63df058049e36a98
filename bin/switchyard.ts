#!/usr/bin/env -S npx tsx
import { pino } from 'pino';
import type { SwitchyardConfig } from '../shared/config/config-schema.js';
import { loadConfig } from '../shared/config/load-config.js';
import { startGateway } from './gateway.js';
import { ensureLocalRedis } from './local-redis.js';
import { describeStartupFailure, StartupError } from './start-failure.js';

/**
 * `switchyard [all|api|worker]`: one codebase, three roles. `all` (the default for `npm start`)
 * runs the API and the workers in one process; `api` and `worker` scale out separately.
 * Every expected start-up failure ends with exit code 1 and one paragraph on stderr, no stack trace.
 */
const ROLES = { all: { api: true, worker: true }, api: { api: true, worker: false }, worker: { api: false, worker: true } } as const;

let loadedConfig: SwitchyardConfig | null = null;

async function main(): Promise<void> {
  const roleName = (process.argv[2] ?? 'all') as keyof typeof ROLES;
  const roles = ROLES[roleName];
  if (!roles) throw new StartupError(`Unknown role '${process.argv[2]}'. Use one of: all, api, worker.`);
  const { config, source } = loadConfig();
  loadedConfig = config;
  const logger = pino({ level: config.server.logLevel, redact: ['*.apiKey', '*.authorization', '*.adminKey'] });
  if (config.redis.url !== undefined) {
    const redis = await ensureLocalRedis(config.redis.url, (line) => logger.warn(line));
    if (!redis.ok) throw new StartupError(redis.reason);
  }

  const gateway = await startGateway({ config, roles, logger });
  const lines = [`Switchyard (${roleName}) started with ${source}.`];
  if (gateway.url) {
    lines.push(`  API:        ${gateway.url}/v1`);
    lines.push(`  Bull Board: ${gateway.url}/admin/queues`);
    lines.push(`  Admin key:  ${gateway.adminKey}${gateway.adminKeyGenerated ? '  (generated for this run; set SWITCHYARD_ADMIN_KEY to fix it)' : ''}`);
    lines.push(`  Models:     ${Object.keys(config.models).join(', ')}`);
    lines.push(`  Create a key: curl -s -X POST ${gateway.url}/admin/keys -H "Authorization: Bearer $ADMIN_KEY" -d '{"team":"demo"}'`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await gateway.close(config.server.shutdownGraceMs);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  const listen = loadedConfig ? { host: loadedConfig.server.host, port: loadedConfig.server.port } : null;
  const debug = loadedConfig?.server.logLevel === 'debug' || loadedConfig?.server.logLevel === 'trace';
  process.stderr.write(`switchyard: ${describeStartupFailure(err, listen, debug)}\n`);
  // Connections and workers opened before the failure would keep the process alive.
  process.exit(1);
});
