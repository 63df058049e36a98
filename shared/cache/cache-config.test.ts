import { describe, expect, it } from 'vitest';
import { cacheConfigSchema, settingsForAlias } from './cache-config.js';

describe('cacheConfigSchema', () => {
  it('fills every default from an empty section', () => {
    const config = cacheConfigSchema.parse({});
    expect(config.exact).toEqual({ enabled: true, ttlSeconds: 86_400 });
    expect(config.semantic.store).toBe('embedded');
    expect(config.semantic.guard).toBe(true);
    expect(config.embedder).toEqual({ kind: 'use-lite' });
    expect(config.sharedNamespaces).toEqual({});
  });

  it.each([
    [{ semantic: { threshold: 1.2 } }, 'semantic.threshold'],
    [{ semantic: { store: 'qdrant' } }, 'qdrant.url'],
    [{ exact: { ttlSeconds: 0 } }, 'exact.ttlSeconds'],
    [{ semantic: { unknown: 1 } }, 'semantic'],
    [{ sharedNamespaces: { s: { teams: [] } } }, 'sharedNamespaces.s.teams'],
  ])('rejects %j at %s', (input, path) => {
    const result = cacheConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('applies per-alias overrides over the defaults and nothing else', () => {
    const config = cacheConfigSchema.parse({ models: { cheap: { semantic: { threshold: 0.97 }, exact: { enabled: false } } } });
    const cheap = settingsForAlias(config, 'cheap');
    expect(cheap.semantic.threshold).toBe(0.97);
    expect(cheap.exact.enabled).toBe(false);
    expect(cheap.semantic.maxTurns).toBe(config.semantic.maxTurns);
    expect(settingsForAlias(config, 'other')).toEqual({ exact: config.exact, semantic: config.semantic });
  });
});
