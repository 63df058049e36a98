import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

function withFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sy-config-'));
  writeFileSync(join(dir, 'switchyard.yaml'), yaml);
  return dir;
}

describe('loadConfig', () => {
  it('serves a mock model with no file and no vendor key, and adds OpenAI models when a key is set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-config-'));
    expect(Object.keys(loadConfig({}, dir).config.models)).toEqual(['mock']);
    const withKey = loadConfig({ OPENAI_API_KEY: 'sk-test' }, dir).config;
    expect(withKey.models['gpt-4o']).toEqual([{ deployment: 'openai-main', model: 'gpt-4o' }]);
    expect(withKey.deployments['openai-main']?.apiKey).toBe('sk-test');
  });

  it('expands ${VAR} and lets PORT, REDIS_URL and SWITCHYARD_ADMIN_KEY override the file', () => {
    const dir = withFile(`
server: { port: 9000 }
deployments:
  main: { provider: openai, apiKey: "\${MY_KEY}" }
models:
  gpt-4o: [{ deployment: main, model: gpt-4o }]
`);
    const { config } = loadConfig({ MY_KEY: 'sk-x', PORT: '7000', REDIS_URL: 'redis://r:6379', SWITCHYARD_ADMIN_KEY: 'admin-key-0123456789' }, dir);
    expect(config.deployments.main?.apiKey).toBe('sk-x');
    expect(config.server.port).toBe(7000);
    expect(config.redis.url).toBe('redis://r:6379');
    expect(config.server.adminKey).toBe('admin-key-0123456789');
    expect(config.deployments.main?.concurrency).toBe(16);
  });

  it('lists every problem at once', () => {
    const dir = withFile(`
deployments:
  main: { provider: openai, concurrency: 0 }
  other: { provider: unknown-vendor }
models:
  gpt-4o: [{ deployment: missing, model: gpt-4o }]
`);
    try {
      loadConfig({}, dir);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('deployments.main.concurrency');
      expect(problems).toContain('deployments.other.provider');
      expect(problems).toContain('models.gpt-4o.0.deployment');
      expect(problems).toContain('deployments.main.apiKey');
    }
  });

  it('accepts the shipped example file', () => {
    const example = readFileSync(new URL('../../switchyard.example.yaml', import.meta.url), 'utf8');
    const { config } = loadConfig({ OPENAI_API_KEY: 'sk-x' }, withFile(example));
    expect(Object.keys(config.deployments)).toEqual(['openai-main', 'local']);
  });
});
