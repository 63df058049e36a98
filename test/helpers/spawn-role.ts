import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SwitchyardConfigInput } from '../../shared/config/config-schema.js';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface RoleProcess {
  child: ChildProcess;
  /** Everything the process printed (stdout and stderr). */
  output(): string;
  /** SIGKILL: no cleanup, no lock release — the crash the queue must survive. */
  kill(): Promise<void>;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
}

/**
 * How a role runs: from the TypeScript sources under tsx (as `npm start` does), or from the
 * compiled `dist/` with NODE_ENV=production (as the Docker image does; `npm run build` first).
 */
export type RoleRuntime = 'tsx' | 'compiled';

/**
 * Runs `switchyard <role>` as a separate OS process with the given config (written to a temp YAML
 * file), resolving once it prints its start-up line.
 */
export async function spawnRole(
  role: 'api' | 'worker' | 'all',
  config: SwitchyardConfigInput,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  runtime: RoleRuntime = 'tsx',
): Promise<RoleProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-'));
  const path = join(dir, 'switchyard.yaml');
  writeFileSync(path, stringify(config));
  const entry = runtime === 'compiled' ? [join(ROOT, 'dist/bin/switchyard.js')] : ['--import', 'tsx', join(ROOT, 'bin/switchyard.ts')];
  const runtimeEnv = runtime === 'compiled' ? { NODE_ENV: 'production' } : {};
  const child = spawn(process.execPath, [...nodeArgs, ...entry, role], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SWITCHYARD_CONFIG: path, ...runtimeEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(`Switchyard (${role}) started`)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`switchyard ${role} exited (${code}) before starting:\n${output}`)));
  });
  return {
    child,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
