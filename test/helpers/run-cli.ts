import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Runs `switchyard <role>` with a config file of the given text and waits for it to exit (bounded
 * by `timeoutMs`, then SIGKILL). For start-up failures; a role that starts is `spawnRole`'s job.
 */
export async function runCliToExit(
  configText: string,
  env: Record<string, string> = {},
  options: { role?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
  const path = join(dir, 'switchyard.yaml');
  writeFileSync(path, configText);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/switchyard.ts'), options.role ?? 'all'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SWITCHYARD_CONFIG: path, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
