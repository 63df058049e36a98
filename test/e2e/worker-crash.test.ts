import { afterAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { startSlowUpstream, type SlowUpstream } from '../deploy/slow-upstream.js';
import { spawnRole, type RoleProcess } from '../helpers/spawn-role.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

describe('no accepted job is lost when a worker dies mid-call', () => {
  let upstream: SlowUpstream;
  let api: TestGateway;
  let doomed: RoleProcess | undefined;
  let survivor: TestGateway | undefined;

  afterAll(async () => {
    await doomed?.kill().catch(() => undefined);
    await survivor?.close();
    await api?.close();
    await upstream?.close();
  });

  it('a second worker finishes the job of a SIGKILLed one; the client gets exactly one result', async () => {
    upstream = await startSlowUpstream();
    const config = testConfig({
      deployments: { vendor: { provider: 'openai', apiKey: 'sk-test', baseURL: upstream.baseURL, maxAttempts: 1 } },
      models: { 'gpt-test': [{ deployment: 'vendor', model: 'gpt-test' }] },
    });
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
    const key = await api.createKey('team-crash');
    doomed = await spawnRole('worker', config);

    const answer = api.client(key.key).chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'survive-42' }] }).withResponse();
    await upstream.arrived(1); // the doomed worker now holds the job, mid-call
    await doomed.kill();
    upstream.release();
    survivor = await startTestGateway(config, { roles: { api: false, worker: true } });

    const { data: completion, response } = await answer;
    expect(completion.choices[0]?.message.content).toBe('echo: survive-42');
    expect(upstream.requests).toHaveLength(2);
    expect(await upstream.requests[0]!.outcome).toBe('aborted');

    const jobId = response.headers.get('x-switchyard-job-id')!;
    const job = (await (await fetch(`${api.url}/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${key.key}` } })).json()) as PublicJob;
    expect(job.status).toBe('succeeded');
    // The killed attempt never reported; the job holds exactly the one that answered.
    expect(job.attempts).toHaveLength(1);
    expect(job.attempts[0]).toMatchObject({ deployment: 'vendor', status: 'succeeded' });
  }, 30_000);
});
