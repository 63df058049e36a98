import { afterAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/index.js';
import { spawnRole, type RoleProcess } from '../helpers/spawn-role.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

const RPM = 300;
const REQUESTS = 330;

describe('a deployment RPM limit holds across worker processes', () => {
  let emulator: OpenAIEmulator;
  let api: TestGateway;
  const workers: RoleProcess[] = [];

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await api?.close();
    await emulator?.close();
  });

  it(`3 workers never exceed ${RPM} rpm (bucket capacity plus refill), and every job completes`, async () => {
    emulator = await startOpenAIEmulator();
    const config = testConfig({
      deployments: { paced: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: emulator.url, rpm: RPM, tpm: 1_000_000, concurrency: 64 } },
      models: { paced: [{ deployment: 'paced', model: 'gpt-4o' }] },
    });
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
    const key = (await api.createKey('team-rl')).key;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    workers.push(...(await Promise.all([0, 1, 2].map(() => spawnRole('worker', config)))));

    const ids = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, i) => {
        const res = await fetch(`${api.url}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ request: { model: 'paced', messages: [{ role: 'user', content: `job ${i}` }] } }) });
        return ((await res.json()) as PublicJob).id;
      }),
    );
    const jobs = await Promise.all(
      ids.map(async (id) => {
        for (;;) {
          const job = (await (await fetch(`${api.url}/v1/jobs/${id}?wait=30`, { headers })).json()) as PublicJob;
          if (job.status !== 'queued' && job.status !== 'running') return job;
        }
      }),
    );
    expect(jobs.every((j) => j.status === 'succeeded')).toBe(true);
    expect(emulator.requests).toHaveLength(REQUESTS);

    // The bucket starts full (RPM requests at once), then refills at RPM/60 per second.
    const times = emulator.requests.map((r) => r.at).sort((a, b) => a - b);
    const t0 = times[0]!;
    const slack = 2;
    times.forEach((t, i) => expect(i + 1).toBeLessThanOrEqual(RPM + ((t - t0) * RPM) / 60_000 + slack));
    // And pacing is not needlessly slow: the last request waited for roughly the refill it needed.
    const neededMs = ((REQUESTS - RPM) * 60_000) / RPM;
    expect(times.at(-1)! - t0).toBeGreaterThanOrEqual(neededMs - 1500);
    expect(times.at(-1)! - t0).toBeLessThan(neededMs + 5000);
    // No request was rejected by the vendor and none counted as a failed attempt while it waited.
    expect(jobs.every((j) => j.attempts.length === 1)).toBe(true);
  }, 60_000);
});
