import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import type { RoleRuntime } from '../../test/helpers/spawn-role.js';
import { TEST_REDIS_URL } from '../../test/helpers/test-redis.js';
import { benchRuntime } from './switchyard.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RESULTS_DIR = join(ROOT, 'bench/results');

/** What a result file says about where it was measured. */
export interface RunMeta {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  /** 1-minute load average when the benchmark started: other work on a shared machine shows here. */
  loadAverage: number;
  redis: string;
  switchyard: string;
  commit: string;
  /** How the Switchyard processes ran (see `benchRuntime`); absent in results from before it was recorded (tsx). */
  runtime?: RoleRuntime;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return 'unknown';
  }
}

async function redisVersion(): Promise<string> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } catch {
    return 'unreachable';
  } finally {
    redis.disconnect();
  }
}

export async function runMeta(): Promise<RunMeta> {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
    redis: await redisVersion(),
    switchyard: packageVersion(),
    commit: gitCommit(),
    runtime: benchRuntime(),
  };
}

/** Writes `bench/results/<name>.json` (small, committed) and returns its path. */
export function writeResults(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}

/** A Markdown table; null and NaN cells print as `n/a`. */
export function markdownTable(header: string[], rows: Array<Array<string | number | null>>): string {
  const cell = (v: string | number | null): string => (v === null || (typeof v === 'number' && Number.isNaN(v)) ? 'n/a' : String(v));
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === moduleUrl;
}

/** A positive number from the environment, or the default. */
export function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** A comma-separated list of positive numbers from the environment, or the default. */
export function envNumbers(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  const values = raw.split(',').map(Number).filter((n) => Number.isFinite(n) && n >= 0);
  return values.length > 0 ? values : fallback;
}
