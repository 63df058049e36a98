import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { startSlowUpstream, type SlowUpstream } from '../deploy/slow-upstream.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

describe('a client that goes away cancels its job and the vendor call', () => {
  let upstream: SlowUpstream;
  let gateway: TestGateway;
  let key: string;

  beforeAll(async () => {
    upstream = await startSlowUpstream();
    gateway = await startTestGateway(
      testConfig({
        deployments: { vendor: { provider: 'openai', apiKey: 'sk-test', baseURL: upstream.baseURL } },
        models: { 'gpt-test': [{ deployment: 'vendor', model: 'gpt-test' }] },
      }),
    );
    key = (await gateway.createKey('team-gone')).key;
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('aborts the in-flight vendor request and records the job as cancelled', async () => {
    const controller = new AbortController();
    const call = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'walk-away' }] }),
      signal: controller.signal,
    }).catch((err: unknown) => err);
    await upstream.arrived(1);
    controller.abort();
    await call;
    expect(await upstream.requests[0]!.outcome).toBe('aborted');

    // The cancel reached the worker (the vendor saw the abort), so the record already says so.
    const jobs = await gateway.redis.keys(`${gateway.config.redis.keyPrefix}:job:*`);
    expect(jobs).toHaveLength(1);
    const id = /\{(job_[0-9a-f]+)\}/.exec(jobs[0]!)![1]!;
    const job = (await (await fetch(`${gateway.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as PublicJob;
    expect(job.status).toBe('cancelled');
    expect(job.error?.code).toBe('cancelled');
  });
});
