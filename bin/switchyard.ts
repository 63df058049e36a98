#!/usr/bin/env -S npx tsx
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../shared/config/load-config.js';
import { startGateway } from './gateway.js';
import { ensureLocalRedis } from './local-redis.js';

/**
 * `switchyard [all|api|worker]`: one codebase, three roles. `all` (the default for `npm start`)
 * runs the API and the workers in one process; `api` and `worker` scale out separately.
 */
const ROLES = { all: { api: true, worker: true }, api: { api: true, worker: false }, worker: { api: false, worker: true } } as const;

async function main(): Promise<void> {
  const roleName = (process.argv[2] ?? 'all') as keyof typeof ROLES;
  const roles = ROLES[roleName];
  if (!roles) fail(`Unknown role '${process.argv[2]}'. Use one of: all, api, worker.`);
  let loaded;
  try {
    loaded = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const { config, source } = loaded;
  const logger = pino({ level: config.server.logLevel, redact: ['*.apiKey', '*.authorization', '*.adminKey'] });
  const redis = await ensureLocalRedis(config.redis.url, (line) => logger.warn(line));
  if (!redis.ok) fail(redis.reason);

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

function fail(message: string): never {
  process.stderr.write(`switchyard: ${message}\n`);
  process.exit(1);
}

void main();
