import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, ensureCompiledBuild, filesUnder } from '../helpers/compiled-build.js';
import { spawnRole, type RoleProcess } from '../helpers/spawn-role.js';
import { testConfig, TEST_ADMIN_KEY } from '../helpers/test-gateway.js';
import { deletePrefix, testPrefix, testRedis } from '../helpers/test-redis.js';
import { apiUrlOf } from './role-output.js';

/**
 * What the Docker image runs and these machines cannot build: `npm run build`, then
 * `node dist/bin/switchyard.js` with NODE_ENV=production and only the production dependencies
 * installed (the Dockerfile's runtime stage). Checked here without Docker: the build's imports name
 * only production dependencies, and the compiled role starts and answers.
 */

const ROOT = new URL('../../', import.meta.url).pathname;

/** Module specifiers of a compiled ES module: static and dynamic imports, re-exports, and `require`/`require.resolve`. */
const SPECIFIER = /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]|\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/gm;

function specifiersOf(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => (m[1] ?? m[2] ?? m[3] ?? m[4])!);
}

/** `@scope/name/deep/path` → `@scope/name`; `name/deep` → `name`; relative paths and builtins → null. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || builtinModules.includes(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

describe('the compiled build (what the Docker image runs)', () => {
  beforeAll(() => ensureCompiledBuild(), 120_000);

  it('finds every kind of specifier a compiled module uses', () => {
    const source = [
      "import { Queue } from 'bullmq';",
      "import * as z from 'zod';",
      "export { x } from './x.js';",
      "import 'side-effect';",
      "const m = await import('@scope/pkg/deep');",
      "const id = require.resolve('@energetic-ai/embeddings');",
    ].join('\n');
    expect(specifiersOf(source)).toEqual(['bullmq', 'zod', './x.js', 'side-effect', '@scope/pkg/deep', '@energetic-ai/embeddings']);
  });

  it('imports only production dependencies and Node built-ins (the runtime stage installs nothing else)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const modules = filesUnder(DIST).filter((path) => path.endsWith('.js'));
    expect(modules.length).toBeGreaterThan(50);
    const outside: string[] = [];
    const used = new Set<string>();
    for (const path of modules) {
      for (const specifier of specifiersOf(readFileSync(path, 'utf8'))) {
        const pkg = packageOf(specifier);
        if (!pkg) continue;
        used.add(pkg);
        if (!(pkg in manifest.dependencies)) outside.push(`${relative(ROOT, path)} imports ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
    // The scan sees the packages the gateway is built on, so an empty list above means something.
    for (const pkg of ['bullmq', 'ioredis', 'openai', '@anthropic-ai/sdk', '@google/genai', 'express', '@energetic-ai/embeddings']) expect(used).toContain(pkg);
  });

  describe('`node dist/bin/switchyard.js all` with NODE_ENV=production', () => {
    const config = testConfig({}, testPrefix('compiled'));
    let role: RoleProcess;

    beforeAll(async () => {
      role = await spawnRole('all', config, {}, [], 'compiled');
    });
    afterAll(async () => {
      await role?.stop();
      const redis = testRedis();
      await deletePrefix(redis, config.redis.keyPrefix);
      await redis.quit();
    });

    it('runs from dist/, not from the TypeScript sources', () => {
      expect(role.child.spawnargs).toContain(join(DIST, 'bin/switchyard.js'));
      expect(role.child.spawnargs).not.toContain('tsx');
    });

    it('creates a key and answers a chat completion through the queue', async () => {
      const url = apiUrlOf(role);
      const created = await fetch(`${url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ team: 'compiled' }),
      });
      expect(created.status).toBe(201);
      const { key } = (await created.json()) as { key: string };
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock', messages: [{ role: 'user', content: 'hello from dist' }] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { object: string; choices: Array<{ message: { content: string } }> };
      expect(body.object).toBe('chat.completion');
      expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
    });
  });
});
