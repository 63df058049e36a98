import { Cluster, type Redis } from 'ioredis';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../bin/gateway.js';
import { parseConfig } from '../../shared/config/load-config.js';
import { testPrefix } from '../helpers/test-redis.js';
import { FAST_WORKERS, TEST_ADMIN_KEY } from '../helpers/test-gateway.js';
import { startLocalCluster, type LocalCluster } from './local-cluster.js';

/**
 * The whole gateway (API and workers in one process) on a real three-primary Redis Cluster started
 * for this file: BullMQ queues, Lua scripts, MULTI, pipelines and pub/sub as the cluster client
 * routes them, with the keys spread over the nodes. Skipped, saying why, where no cluster can start.
 */

/** Ports of the three nodes (their cluster bus: port + 10000). Off the usual 6379/7000 ranges. */
const PORTS = [7391, 7392, 7393];

describe('the gateway on a Redis Cluster', () => {
  const prefix = testPrefix('cluster');
  let cluster: LocalCluster;
  let gateway: Gateway | undefined;
  let client: OpenAI;
  let key: string;
  /** A test's own look at the cluster, to see where the keys went. */
  let probe: Cluster | undefined;

  const unavailable = (): string | null => (cluster.ok ? null : `no local Redis Cluster: ${cluster.reason}`);
  const api = (path: string, init: RequestInit = {}, bearer = key): Promise<Response> =>
    fetch(`${gateway!.url}${path}`, { ...init, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...init.headers } });

  beforeAll(async () => {
    cluster = await startLocalCluster(PORTS);
    if (!cluster.ok) return;
    const config = parseConfig({
      server: { port: 0, host: '127.0.0.1', adminKey: TEST_ADMIN_KEY, logLevel: 'silent' },
      redis: { keyPrefix: prefix, cluster: { nodes: cluster.nodes } },
      deployments: { local: { provider: 'mock' } },
      models: { mock: [{ deployment: 'local', model: 'mock-1' }] },
      cache: { exact: { enabled: true }, semantic: { enabled: false } },
      workers: FAST_WORKERS,
    });
    gateway = await startGateway({ config, roles: { api: true, worker: true }, logger: pino({ level: 'silent' }), batches: false });
    const created = await api('/admin/keys', { method: 'POST', body: JSON.stringify({ team: 'cluster-team' }) }, TEST_ADMIN_KEY);
    expect(created.status, await created.clone().text()).toBe(201);
    key = ((await created.json()) as { key: string }).key;
    client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    probe = new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })), { redisOptions: { maxRetriesPerRequest: 0 } });
  }, 40_000);

  afterAll(async () => {
    await gateway?.close(1_000);
    await probe?.quit();
    await cluster?.stop();
  });

  it('uses a Cluster client', (ctx) => {
    const reason = unavailable();
    if (reason) return ctx.skip(reason);
    expect(gateway!.redis).toBeInstanceOf(Cluster);
  });

  it('answers a synchronous completion through a queued job, and the next identical one from the exact cache', async (ctx) => {
    const reason = unavailable();
    if (reason) return ctx.skip(reason);
    const ask = () => client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'over the cluster' }] }).withResponse();
    const first = await ask();
    expect(first.data.choices[0]?.message.content).toBe('This is a mock response to: over the cluster');
    expect(first.response.headers.get('x-switchyard-job-id')).toMatch(/^job_/);
    const second = await ask();
    expect(second.data.choices[0]?.message.content).toBe('This is a mock response to: over the cluster');
    expect(second.response.headers.get('x-switchyard-cache')).toMatch(/^hit/);
  });

  it('streams a completion relayed over pub/sub', async (ctx) => {
    const reason = unavailable();
    if (reason) return ctx.skip(reason);
    const stream = await client.chat.completions.create({ model: 'mock', stream: true, messages: [{ role: 'user', content: 'streamed words' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.trim()).toBe('This is a mock response to: streamed words');
  });

  it('runs async jobs submitted together to success, each record written before its worker took it', async (ctx) => {
    const reason = unavailable();
    if (reason) return ctx.skip(reason);
    const ids = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await api('/v1/jobs', { method: 'POST', body: JSON.stringify({ request: { model: 'mock', messages: [{ role: 'user', content: `async ${i}` }] } }) });
        expect(res.status).toBe(202);
        return ((await res.json()) as { id: string }).id;
      }),
    );
    const jobs = await Promise.all(ids.map(async (id) => (await (await api(`/v1/jobs/${id}?wait=20`)).json()) as { status: string; result: { choices: Array<{ message: { content: string } }> } }));
    expect(jobs.map((j) => j.status)).toEqual(ids.map(() => 'succeeded'));
    expect(jobs.map((j) => j.result.choices[0]?.message.content)).toEqual(ids.map((_, i) => `This is a mock response to: async ${i}`));
  });

  it('reports ready, reads usage across teams and days, and purges a team from the exact cache', async (ctx) => {
    const reason = unavailable();
    if (reason) return ctx.skip(reason);
    const ready = await fetch(`${gateway!.url}/readyz`);
    expect(ready.status, await ready.clone().text()).toBe(200);
    const usage = await api('/admin/usage?group_by=day', {}, TEST_ADMIN_KEY);
    expect(usage.status, await usage.clone().text()).toBe(200);
    const rows = ((await usage.json()) as { data: Array<{ requests: number }> }).data;
    expect(rows.reduce((sum, r) => sum + r.requests, 0)).toBeGreaterThanOrEqual(22);
    const purge = await api('/admin/cache/purge', { method: 'POST', body: JSON.stringify({ team: 'cluster-team' }) }, TEST_ADMIN_KEY);
    expect(purge.status, await purge.clone().text()).toBe(200);
    // At least the entry of the synchronous case above, wherever its slot lives.
    expect(((await purge.json()) as { removed: { exact: number } }).removed.exact).toBeGreaterThanOrEqual(1);
    const after = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'over the cluster' }] }).withResponse();
    expect(after.response.headers.get('x-switchyard-cache')).not.toMatch(/^hit/);
  });

  it('spread its keys over every node', async (ctx) => {
    const reason = unavailable();
    if (reason) return ctx.skip(reason);
    const perNode = await Promise.all(probe!.nodes('master').map((node: Redis) => countKeys(node, `${prefix}:*`)));
    expect(perNode).toHaveLength(PORTS.length);
    for (const count of perNode) expect(count).toBeGreaterThan(0);
  });
});

async function countKeys(node: Redis, pattern: string): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}
