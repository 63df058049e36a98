import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configSchema, crossFieldProblems, type SwitchyardConfig, type SwitchyardConfigInput } from './config-schema.js';

/** Thrown with every problem found, one per line, so an operator fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Loads the configuration: `SWITCHYARD_CONFIG` or `./switchyard.yaml` if present, else the built-in
 * default (a `mock` deployment, plus OpenAI when `OPENAI_API_KEY` is set). `${VAR}` expands from the
 * environment; `PORT`, `REDIS_URL`, `SWITCHYARD_ADMIN_KEY` and `LOG_LEVEL` override the file.
 * This is the only module that reads the environment.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): { config: SwitchyardConfig; source: string } {
  const explicit = env.SWITCHYARD_CONFIG;
  const path = explicit ? resolve(cwd, explicit) : resolve(cwd, 'switchyard.yaml');
  if (explicit && !existsSync(path)) throw new ConfigError([`SWITCHYARD_CONFIG points to ${path}, which does not exist`]);
  const raw: unknown = existsSync(path) ? expandEnv(parseYaml(readFileSync(path, 'utf8')), env) : defaultConfig(env);
  const source = existsSync(path) ? path : 'built-in defaults';
  return { config: parseConfig(applyEnvOverrides(raw, env)), source };
}

/** Validates a config object, listing every problem. */
export function parseConfig(raw: unknown): SwitchyardConfig {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  for (const p of crossFieldProblems(raw)) {
    const line = `${p.path.join('.')}: ${p.message}`;
    if (!problems.includes(line)) problems.push(line);
  }
  throw new ConfigError(problems);
}

function defaultConfig(env: Env): SwitchyardConfigInput {
  const config: SwitchyardConfigInput = {
    deployments: { local: { provider: 'mock' } },
    models: { mock: [{ deployment: 'local', model: 'mock-1' }] },
  };
  if (env.OPENAI_API_KEY) {
    config.deployments['openai-main'] = { provider: 'openai', apiKey: env.OPENAI_API_KEY };
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini']) {
      config.models[model] = [{ deployment: 'openai-main', model }];
    }
  }
  return config;
}

function applyEnvOverrides(raw: unknown, env: Env): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const config = { ...(raw as Record<string, unknown>) };
  const section = (name: string): Record<string, unknown> => {
    const value = config[name];
    const copy = value && typeof value === 'object' ? { ...(value as Record<string, unknown>) } : {};
    config[name] = copy;
    return copy;
  };
  if (env.PORT) section('server').port = Number(env.PORT);
  if (env.SWITCHYARD_ADMIN_KEY) section('server').adminKey = env.SWITCHYARD_ADMIN_KEY;
  if (env.REDIS_URL) section('redis').url = env.REDIS_URL;
  if (env.LOG_LEVEL) section('server').logLevel = env.LOG_LEVEL;
  return config;
}

/** Replaces `${VAR}` in every string; an unset variable becomes '' (then fails validation if required). */
function expandEnv(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? '');
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, env)]));
  }
  return value;
}
