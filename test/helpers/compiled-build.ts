import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

/** The sources `npm run build` compiles into dist/, and the files that change how. */
const SOURCE_DIRS = ['api', 'workers', 'shared', 'bin'];
const BUILD_INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
/** Written after a build by this helper; a `dist/` without it (or older than a source) is rebuilt. */
const STAMP = join(ROOT, 'dist/.build-stamp');

function newestSourceMs(): number {
  let newest = Math.max(...BUILD_INPUTS.map((file) => statSync(join(ROOT, file)).mtimeMs));
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !/\.(test|bench)\.ts$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) walk(join(ROOT, dir));
  return newest;
}

function stampMs(): number {
  try {
    return statSync(STAMP).mtimeMs;
  } catch {
    return -Infinity;
  }
}

/**
 * Makes sure dist/ is `npm run build` of the sources as they are now, so a test or benchmark of
 * the compiled roles never runs yesterday's code: rebuilds from scratch (a deleted source leaves no
 * stale module behind) when any source or build input is newer than the last build made here.
 * About 10 s when it builds.
 */
export function ensureCompiledBuild(): void {
  if (stampMs() >= newestSourceMs()) return;
  rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}
