import { afterAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { HAS_REDIS_SERVER, startPersistentRedis } from '../helpers/redis-server-process.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

describe.skipIf(!HAS_REDIS_SERVER)('accepted jobs survive a Redis crash (appendonly)', () => {
  let redis: Awaited<ReturnType<typeof startPersistentRedis>>;
  let api: TestGateway | undefined;
  let worker: TestGateway | undefined;

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await redis?.stop();
  });

  it('runs every job accepted before Redis was SIGKILLed and restarted, each exactly once', async () => {
    redis = await startPersistentRedis(16_379 + Math.floor(Math.random() * 1000));
    const config = testConfig({ redis: { url: redis.url } });
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
    const key = (await api.createKey('team-aof')).key;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${api.url}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ request: { model: 'mock', messages: [{ role: 'user', content: `persist ${i}` }] } }) });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as PublicJob).id);
    }

    await redis.kill();
    await redis.restart();
    worker = await startTestGateway(config, { roles: { api: false, worker: true } });

    const jobs = await Promise.all(ids.map(async (id) => (await (await fetch(`${api!.url}/v1/jobs/${id}?wait=20`, { headers })).json()) as PublicJob));
    jobs.forEach((job, i) => {
      expect(job.status).toBe('succeeded');
      expect(job.result?.choices[0]?.message.content).toBe(`This is a mock response to: persist ${i}`);
      expect(job.attempts).toHaveLength(1);
    });
  }, 60_000);
});
