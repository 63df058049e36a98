import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
export const DIST = join(ROOT, 'dist');
const BUILD_CONFIG = 'tsconfig.build.json';
/** Files that change what the build emits, besides the sources. */
const BUILD_INPUTS = ['tsconfig.json', BUILD_CONFIG, 'package-lock.json'];
/** Written after a build by this helper; a `dist/` without it (or older than a source) is rebuilt. */
const STAMP = join(DIST, '.build-stamp');

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** The sources the build compiles, as tsconfig.build.json says: its `include` folders minus its `**\/*<suffix>` excludes. */
function buildSources(): string[] {
  const { include, exclude } = JSON.parse(readFileSync(join(ROOT, BUILD_CONFIG), 'utf8')) as { include: string[]; exclude: string[] };
  const excludedSuffixes = exclude.map((pattern) => pattern.replace(/^\*\*\/\*/, ''));
  return include.flatMap((dir) => filesUnder(join(ROOT, dir))).filter((path) => path.endsWith('.ts') && !excludedSuffixes.some((suffix) => path.endsWith(suffix)));
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
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
  const newest = Math.max(...[...BUILD_INPUTS.map((file) => join(ROOT, file)), ...buildSources()].map(mtimeMs));
  if (mtimeMs(STAMP) >= newest) return;
  rmSync(DIST, { recursive: true, force: true });
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', BUILD_CONFIG], { cwd: ROOT, stdio: 'inherit' });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}
