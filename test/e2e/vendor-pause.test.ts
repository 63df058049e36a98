import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { deploymentScope, RateLimitKeys } from '../../shared/rate-limit/index.js';
import { openAIErrorFault, startOpenAIEmulator, type OpenAIEmulator } from '../emulators/index.js';
import { spawnRole, type RoleProcess } from '../helpers/spawn-role.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
import { testRedis } from '../helpers/test-redis.js';

/*
 * A vendor 429 with retry-after pauses its deployment for every worker, on a deployment without
 * rpm/tpm limits (the default): a job taken while the pause lasts, by the same pool or by another
 * process, reaches the vendor only once the pause is over, and the wait is not a failed attempt.
 */

const redis = testRedis();
afterAll(() => redis.quit());

interface Client {
  submit(content: string): Promise<string>;
  finished(id: string): Promise<PublicJob>;
}

async function clientOf(api: TestGateway): Promise<Client> {
  const headers = { authorization: `Bearer ${(await api.createKey('team-pause')).key}`, 'content-type': 'application/json' };
  return {
    async submit(content) {
      const res = await fetch(`${api.url}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ request: { model: 'plain', messages: [{ role: 'user', content }] } }) });
      expect(res.status).toBe(202);
      return ((await res.json()) as PublicJob).id;
    },
    async finished(id) {
      for (;;) {
        const job = (await (await fetch(`${api.url}/v1/jobs/${id}?wait=20`, { headers })).json()) as PublicJob;
        if (job.status !== 'queued' && job.status !== 'running') return job;
      }
    },
  };
}

/** The ms time (Redis clock) until which the deployment is paused, once a worker has written it. */
async function pauseEnd(prefix: string, deployment: string, boundMs = 5000): Promise<number> {
  const key = new RateLimitKeys(prefix).block(deploymentScope(deployment));
  const giveUp = Date.now() + boundMs;
  for (;;) {
    const value = await redis.get(key);
    if (value !== null) return Number(value);
    if (Date.now() > giveUp) throw new Error(`no pause written for ${deployment} within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One recorded 429 whose retry-after asks for `seconds`. */
const rateLimited = (seconds: number) => openAIErrorFault('429', { times: 1, headers: { 'retry-after': String(seconds) } });

describe('a vendor 429 pauses an unpaced deployment for every worker', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('holds a second job of the same pool until the pause ends', async () => {
    const emulator = await startOpenAIEmulator();
    closers.push(() => emulator.close());
    const config = testConfig({
      deployments: { plain: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: emulator.url, concurrency: 4 } },
      models: { plain: [{ deployment: 'plain', model: 'gpt-4o' }] },
    });
    const gateway = await startTestGateway(config);
    closers.push(() => gateway.close());
    const client = await clientOf(gateway);

    emulator.faults.push(rateLimited(1));
    const first = await client.submit('first');
    const till = await pauseEnd(config.redis.keyPrefix, 'plain');
    const secondSubmittedAt = Date.now();
    const second = await client.submit('second');
    const [a, b] = await Promise.all([client.finished(first), client.finished(second)]);

    expect(secondSubmittedAt).toBeLessThan(till - 500); // the second job really arrived during the pause
    expect(a.status).toBe('succeeded');
    expect(a.attempts.map((x) => x.error?.code ?? x.status)).toEqual(['rate_limited', 'succeeded']);
    expect(b.status).toBe('succeeded');
    expect(b.attempts).toHaveLength(1); // waiting out a pause is not a failed attempt
    expect(emulator.requests).toHaveLength(3);
    for (const request of emulator.requests.slice(1)) expect(request.at).toBeGreaterThanOrEqual(Math.floor(till));
  }, 20_000);

  it('holds a job taken by another worker process until the pause ends', async () => {
    // Two worker processes share the deployment (its queue and its pause) but reach the vendor
    // through different emulators, so the emulator that saw the 429 names the process that took it.
    const [one, two] = await Promise.all([startOpenAIEmulator(), startOpenAIEmulator()]);
    closers.push(() => one.close(), () => two.close());
    const configFor = (emulator: OpenAIEmulator, prefix?: string) =>
      testConfig(
        {
          deployments: { plain: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: emulator.url, concurrency: 4 } },
          models: { plain: [{ deployment: 'plain', model: 'gpt-4o' }] },
        },
        prefix,
      );
    const config = configFor(one);
    const api = await startTestGateway(config, { roles: { api: true, worker: false } });
    closers.push(() => api.close());
    const processes: Record<'one' | 'two', RoleProcess> = Object.fromEntries(
      await Promise.all([
        spawnRole('worker', config).then((p) => ['one', p] as const),
        spawnRole('worker', configFor(two, config.redis.keyPrefix)).then((p) => ['two', p] as const),
      ]),
    ) as Record<'one' | 'two', RoleProcess>;
    closers.push(() => processes.one.stop(), () => processes.two.stop());
    const client = await clientOf(api);

    one.faults.push(rateLimited(4));
    two.faults.push(rateLimited(4));
    const first = await client.submit('first');
    const till = await pauseEnd(config.redis.keyPrefix, 'plain');
    // Only the process that did not see the 429 may take what comes next.
    const [paused, other] = one.requests.length === 1 ? [one, two] : [two, one];
    expect(paused.requests).toHaveLength(1);
    await processes[paused === one ? 'one' : 'two'].stop();
    other.faults.set(null);

    const secondSubmittedAt = Date.now();
    const second = await client.submit('second');
    const [a, b] = await Promise.all([client.finished(first), client.finished(second)]);

    expect(secondSubmittedAt).toBeLessThan(till - 500);
    expect(a.status).toBe('succeeded');
    expect(b.status).toBe('succeeded');
    expect(b.attempts).toHaveLength(1);
    expect(paused.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(2); // the first job's retry and the second job
    for (const request of other.requests) expect(request.at).toBeGreaterThanOrEqual(Math.floor(till));
  }, 30_000);

  it('sends a job with a fallback straight there while the pause is longer than a retry would wait', async () => {
    const emulator = await startOpenAIEmulator();
    closers.push(() => emulator.close());
    const config = testConfig({
      deployments: { plain: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: emulator.url, concurrency: 4 }, local: { provider: 'mock' } },
      models: { plain: [{ deployment: 'plain', model: 'gpt-4o' }, { deployment: 'local', model: 'mock-1' }] },
      workers: { retryMaxDelayMs: 1000 },
    });
    const gateway = await startTestGateway(config);
    closers.push(() => gateway.close());
    const client = await clientOf(gateway);

    emulator.faults.push(rateLimited(30));
    const first = await client.submit('first');
    const till = await pauseEnd(config.redis.keyPrefix, 'plain');
    const started = Date.now();
    const second = await client.submit('second');
    const [a, b] = await Promise.all([client.finished(first), client.finished(second)]);

    // Both end on the fallback long before the 30 s pause is over; the paused vendor saw only the 429.
    expect(Date.now()).toBeLessThan(till - 20_000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(emulator.requests).toHaveLength(1);
    expect(a.attempts.map((x) => [x.deployment, x.error?.code ?? x.status])).toEqual([['plain', 'rate_limited'], ['local', 'succeeded']]);
    expect(b.attempts.map((x) => [x.deployment, x.error?.code ?? x.status])).toEqual([['plain', 'rate_limited'], ['local', 'succeeded']]);
    expect(b.attempts[0]?.latency_ms).toBe(0); // skipped without a call
  }, 20_000);
});
