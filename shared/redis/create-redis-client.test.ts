import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../config/load-config.js';
import { createRedisClient, describeRedis, type RedisClient } from './create-redis-client.js';
import { parseHostPort, redisConfigSchema } from './redis-config.js';

const BASE = { deployments: { local: { provider: 'mock' } }, models: { mock: [{ deployment: 'local', model: 'mock-1' }] } } as const;

/** Problems parseConfig lists for a `redis:` section. */
function problems(redis: unknown): string[] {
  try {
    parseConfig({ ...BASE, redis });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('redis configuration', () => {
  it('defaults to a standalone Redis on localhost', () => {
    expect(parseConfig(BASE).redis).toEqual({ keyPrefix: 'sy', url: 'redis://127.0.0.1:6379' });
    expect(redisConfigSchema.parse({ url: 'rediss://u:p@r:6380/2', keyPrefix: 'x' })).toEqual({ keyPrefix: 'x', url: 'rediss://u:p@r:6380/2' });
  });

  it('reads a cluster with its defaults, and no url', () => {
    const redis = redisConfigSchema.parse({ cluster: { nodes: ['node-1:6379', '10.0.0.2:6380', '[::1]:7000'], password: 'pw' } });
    expect(redis).toEqual({
      keyPrefix: 'sy',
      cluster: { nodes: ['node-1:6379', '10.0.0.2:6380', '[::1]:7000'], password: 'pw', tls: false, keepHostnames: false, retryDelayOnFailoverMs: 200 },
    });
    expect(redis.url).toBeUndefined();
  });

  it('reads a sentinel set with its defaults', () => {
    expect(redisConfigSchema.parse({ keyPrefix: 'p', sentinel: { sentinels: ['s1:26379'], name: 'mymaster' } })).toEqual({
      keyPrefix: 'p',
      sentinel: { sentinels: ['s1:26379'], name: 'mymaster', db: 0, tls: false },
    });
  });

  it.each([
    [{ url: 'redis://a:6379', cluster: { nodes: ['a:6379'] } }, 'redis: set only one of url, cluster or sentinel (found url and cluster; REDIS_URL sets url)'],
    [{ cluster: { nodes: ['a:1'] }, sentinel: { sentinels: ['s:1'], name: 'm' } }, 'redis: set only one of url, cluster or sentinel (found cluster and sentinel; REDIS_URL sets url)'],
    [{ cluster: { nodes: [] } }, 'redis.cluster.nodes: Too small: expected array to have >=1 items'],
    [{ cluster: { nodes: ['redis://a:6379'] } }, 'redis.cluster.nodes.0: use host:port (IPv6 as [addr]:port)'],
    [{ sentinel: { sentinels: ['s:26379'] } }, 'redis.sentinel.name: Invalid input: expected string, received undefined'],
    [{ cluster: { nodes: ['a:1'], replicas: true } }, 'redis.cluster: Unrecognized key: "replicas"'],
  ])('refuses %j', (redis, problem) => {
    expect(problems(redis)).toContain(problem);
  });

  it('takes passwords from ${VAR} and refuses an unset one rather than connecting without it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-redis-config-'));
    writeFileSync(
      join(dir, 'switchyard.yaml'),
      `deployments: { local: { provider: mock } }\nmodels: { mock: [{ deployment: local, model: mock-1 }] }\nredis:\n  sentinel:\n    sentinels: ["s1:26379", "s2:26379"]\n    name: mymaster\n    password: "\${REDIS_PASSWORD}"\n    sentinelPassword: "\${SENTINEL_PASSWORD}"\n`,
    );
    const { config } = loadConfig({ REDIS_PASSWORD: 'data-secret', SENTINEL_PASSWORD: 'sentinel-secret' }, dir);
    expect(config.redis.sentinel).toMatchObject({ password: 'data-secret', sentinelPassword: 'sentinel-secret' });
    expect(() => loadConfig({ REDIS_PASSWORD: 'data-secret' }, dir)).toThrow(/redis\.sentinel\.sentinelPassword/);
  });

  it('parses host:port, IPv6 included', () => {
    expect(parseHostPort('node-1:6379')).toEqual({ host: 'node-1', port: 6379 });
    expect(parseHostPort('[fd00::1]:7000')).toEqual({ host: 'fd00::1', port: 7000 });
  });
});

describe('createRedisClient', () => {
  const clients: RedisClient[] = [];
  const build = (redis: unknown): RedisClient => {
    const client = createRedisClient(redisConfigSchema.parse(redis), { lazyConnect: true });
    clients.push(client);
    return client;
  };
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  it('builds a standalone client from the url, with BullMQ-safe options', () => {
    const client = build({ url: 'redis://user:pw@redis-host:6380/3' });
    expect(client).toBeInstanceOf(Redis);
    expect(client).not.toBeInstanceOf(Cluster);
    const { options } = client as Redis;
    expect(options).toMatchObject({ host: 'redis-host', port: 6380, db: 3, username: 'user', password: 'pw', maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: true });
    expect(client.status).toBe('wait');
  });

  it('builds a Cluster client over the seed nodes, reading from primaries, every node connection BullMQ-safe', () => {
    const client = build({ cluster: { nodes: ['node-1:6379', '[fd00::2]:6380'], username: 'app', password: 'pw', tls: true } });
    expect(client).toBeInstanceOf(Cluster);
    const cluster = client as Cluster;
    expect(cluster.isCluster).toBe(true);
    // ioredis keeps the seed nodes in a private field; no public accessor exists.
    expect(Reflect.get(cluster, 'startupNodes')).toEqual([
      { host: 'node-1', port: 6379 },
      { host: 'fd00::2', port: 6380 },
    ]);
    expect(cluster.options).toMatchObject({ scaleReads: 'master', lazyConnect: true, retryDelayOnFailover: 200 });
    expect(cluster.options.redisOptions).toMatchObject({ maxRetriesPerRequest: null, username: 'app', password: 'pw', tls: {} });
    // BullMQ's workers and queue events duplicate the connection: the copy keeps the options.
    const copy = cluster.duplicate();
    clients.push(copy);
    expect(copy.options.redisOptions?.maxRetriesPerRequest).toBeNull();
    expect(cluster.status).toBe('wait');
  });

  it('passes announced host names through unresolved when asked (TLS endpoints)', async () => {
    const kept = build({ cluster: { nodes: ['a:1'], keepHostnames: true } }) as Cluster;
    const lookup = kept.options.dnsLookup;
    expect(lookup).toBeTypeOf('function');
    const resolved = await new Promise<string>((resolve, reject) => lookup!('clustercfg.example.cache.amazonaws.com', (err, address) => (err ? reject(err) : resolve(address))));
    expect(resolved).toBe('clustercfg.example.cache.amazonaws.com');
    expect((build({ cluster: { nodes: ['a:1'] } }) as Cluster).options.dnsLookup).not.toBe(lookup);
  });

  it('builds a Sentinel client that asks the sentinels for the named primary', () => {
    const client = build({ sentinel: { sentinels: ['s1:26379', 's2:26380'], name: 'mymaster', password: 'pw', sentinelPassword: 'spw', db: 1, tls: true } });
    expect(client).toBeInstanceOf(Redis);
    expect((client as Redis).options).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'mymaster',
      role: 'master',
      password: 'pw',
      sentinelPassword: 'spw',
      db: 1,
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
      maxRetriesPerRequest: null,
    });
  });

  it('describes the target without credentials', () => {
    expect(describeRedis(redisConfigSchema.parse({ url: 'redis://user:secret@r:6379/0' }))).toBe('Redis at redis://r:6379/0');
    expect(describeRedis(redisConfigSchema.parse({ cluster: { nodes: ['a:1', 'b:2'], password: 'secret' } }))).toBe('Redis Cluster via a:1, b:2');
    expect(describeRedis(redisConfigSchema.parse({ sentinel: { sentinels: ['s:1'], name: 'm', password: 'secret' } }))).toBe("Redis Sentinel primary 'm' via s:1");
  });
});
