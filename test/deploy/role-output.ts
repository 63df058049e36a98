import type { RoleProcess } from '../helpers/spawn-role.js';

/**
 * Resolves once the process prints `text` after the first `from` characters of its output (so a
 * line printed earlier does not count); rejects if it exits first. Bounded by the test's timeout.
 */
export function waitForOutput(role: RoleProcess, text: string, from = role.output().length): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => role.output().indexOf(text, from) >= 0;
    if (check()) return resolve();
    const onData = (): void => {
      // spawnRole appends to output() in its own listener, registered before this one.
      if (!check()) return;
      cleanup();
      resolve();
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`process exited (${code}) before printing ${JSON.stringify(text)}:\n${role.output()}`));
    };
    const cleanup = (): void => {
      role.child.stdout?.off('data', onData);
      role.child.stderr?.off('data', onData);
      role.child.off('exit', onExit);
    };
    role.child.stdout?.on('data', onData);
    role.child.stderr?.on('data', onData);
    role.child.once('exit', onExit);
  });
}

/** The API base URL (`http://host:port`) an `api` or `all` process printed at start-up. */
export function apiUrlOf(role: RoleProcess): string {
  const match = /API:\s+(http:\/\/\S+?)\/v1/.exec(role.output());
  if (!match?.[1]) throw new Error(`no API URL in the output:\n${role.output()}`);
  return match[1];
}

/** Resolves with the exit code, or with 'timeout' if the process is still running after `ms`. */
export function exitWithin(exit: Promise<number | null>, ms: number): Promise<number | null | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([exit, bound]).finally(() => clearTimeout(timer));
}
