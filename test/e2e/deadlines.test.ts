import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { openAIErrorFault, startOpenAIEmulator, type OpenAIEmulator } from '../emulators/index.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

/*
 * Deadlines: `x-switchyard-deadline-ms` on a synchronous call, `deadline_ms` on an async job, and
 * the synchronous default (`server.syncTimeoutMs`). A job never outlives its deadline: the vendor
 * call is cut at it, a retry that could only start after it becomes a failover (or
 * `deadline_exceeded` at once on the last target), a primary whose expected wait breaks it is
 * skipped at submit, and a synchronous caller is answered at its deadline even when no worker is
 * free to say so.
 */

const SYNC_DEFAULT_MS = 1500;
const DEPLOYMENTS = ['hanging', 'narrow', 'retrying', 'lastone', 'paced', 'pausable', 'fallback'] as const;
type Name = (typeof DEPLOYMENTS)[number];

describe('deadlines', () => {
  const emulators = {} as Record<Name, OpenAIEmulator>;
  let gateway: TestGateway;
  let headers: Record<string, string>;

  beforeAll(async () => {
    for (const name of DEPLOYMENTS) emulators[name] = await startOpenAIEmulator();
    const deployment = (name: Name, extra: Record<string, unknown> = {}) => ({
      provider: 'openai' as const,
      apiKey: 'sk-test-emulator',
      baseURL: emulators[name].url,
      circuitBreaker: { minRequests: 10_000 },
      ...extra,
    });
    gateway = await startTestGateway(
      testConfig({
        server: { syncTimeoutMs: SYNC_DEFAULT_MS },
        deployments: {
          hanging: deployment('hanging', { timeoutMs: 10_000 }),
          // One call at a time, so a second job waits in the queue behind a hanging one.
          narrow: deployment('narrow', { concurrency: 1, maxAttempts: 1, timeoutMs: 3000 }),
          retrying: deployment('retrying'),
          lastone: deployment('lastone'),
          paced: deployment('paced', { rpm: 1 }),
          pausable: deployment('pausable'),
          fallback: deployment('fallback'),
        },
        models: {
          hanging: [{ deployment: 'hanging', model: 'gpt-4o' }],
          narrow: [{ deployment: 'narrow', model: 'gpt-4o' }],
          retrying: [{ deployment: 'retrying', model: 'gpt-4o' }, { deployment: 'fallback', model: 'gpt-4o-mini' }],
          lastone: [{ deployment: 'lastone', model: 'gpt-4o' }],
          paced: [{ deployment: 'paced', model: 'gpt-4o' }, { deployment: 'fallback', model: 'gpt-4o-mini' }],
          pausable: [{ deployment: 'pausable', model: 'gpt-4o' }, { deployment: 'fallback', model: 'gpt-4o-mini' }],
        },
      }),
    );
    headers = { authorization: `Bearer ${(await gateway.createKey('team-deadline')).key}`, 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all(Object.values(emulators).map((e) => e.close()));
  });

  interface SyncAnswer {
    status: number;
    body: { error?: { code: string; message: string }; choices?: Array<{ message: { content: string } }> };
    jobId: string | null;
    elapsedMs: number;
  }

  async function chat(model: string, content: string, deadlineMs?: number): Promise<SyncAnswer> {
    const started = Date.now();
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, ...(deadlineMs === undefined ? {} : { 'x-switchyard-deadline-ms': String(deadlineMs) }) },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    });
    const body = (await res.json()) as SyncAnswer['body'];
    return { status: res.status, body, jobId: res.headers.get('x-switchyard-job-id'), elapsedMs: Date.now() - started };
  }

  async function job(id: string, waitSeconds = 10): Promise<PublicJob> {
    return (await (await fetch(`${gateway.url}/v1/jobs/${id}?wait=${waitSeconds}`, { headers })).json()) as PublicJob;
  }

  it('cuts a hanging vendor call at x-switchyard-deadline-ms and fails the job with deadline_exceeded', async () => {
    emulators.hanging.faults.push({ hang: true, times: 1 });
    const answer = await chat('hanging', 'hang', 600);
    expect(answer.status).toBe(504);
    expect(answer.body.error?.code).toBe('deadline_exceeded');
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(590);
    expect(answer.elapsedMs).toBeLessThan(600 + 1000);
    const record = await job(answer.jobId!);
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('deadline_exceeded');
    expect(record.attempts.map((a) => a.error?.code)).toEqual(['timeout']); // no retry past the deadline
    expect(await emulators.hanging.requests[0]!.outcome).toBe('aborted');
  });

  it('gives a synchronous call without a header the configured default deadline', async () => {
    emulators.hanging.faults.push({ hang: true, times: 1 });
    const answer = await chat('hanging', 'hang by default');
    expect(answer.status).toBe(504);
    expect(answer.body.error?.code).toBe('deadline_exceeded');
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(SYNC_DEFAULT_MS - 10);
    expect(answer.elapsedMs).toBeLessThan(SYNC_DEFAULT_MS + 1000);
  });

  it('answers a synchronous call at its deadline even while its job waits in the queue', async () => {
    emulators.narrow.faults.push({ hang: true, times: 1 });
    const blocker = await fetch(`${gateway.url}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify({ request: { model: 'narrow', messages: [{ role: 'user', content: 'blocker' }] } }) });
    expect(blocker.status).toBe(202);
    await emulators.narrow.arrived(1);
    const answer = await chat('narrow', 'stuck behind the blocker', 400);
    expect(answer.status).toBe(504);
    expect(answer.body.error?.code).toBe('deadline_exceeded');
    expect(answer.elapsedMs).toBeLessThan(400 + 1000);
    // The job never reached the vendor: only the blocker did.
    expect(emulators.narrow.requests).toHaveLength(1);
  });

  it('fails an async job with deadline_ms when the vendor is slower than the deadline', async () => {
    emulators.hanging.faults.push({ latencyMs: 3000, times: 1 });
    const started = Date.now();
    const res = await fetch(`${gateway.url}/v1/jobs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ deadline_ms: 400, request: { model: 'hanging', messages: [{ role: 'user', content: 'slow' }] } }),
    });
    expect(res.status).toBe(202);
    const record = await job(((await res.json()) as PublicJob).id);
    expect(Date.now() - started).toBeLessThan(400 + 1000);
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('deadline_exceeded');
    expect(record.attempts.map((a) => a.error?.code)).toEqual(['timeout']);
  });

  it('fails over at once rather than retry after the deadline', async () => {
    // 450 ms is under the retry cap (500 ms in tests), so without a deadline this would be a retry.
    emulators.retrying.faults.push(openAIErrorFault('429', { times: 1, headers: { 'retry-after': '0.45' } }));
    const answer = await chat('retrying', 'retry or fail over', 400);
    expect(answer.status).toBe(200);
    expect(answer.body.choices?.[0]?.message.content).toBe('echo: retry or fail over');
    expect(answer.elapsedMs).toBeLessThan(400);
    const record = await job(answer.jobId!);
    expect(record.attempts.map((a) => [a.deployment, a.error?.code ?? a.status])).toEqual([
      ['retrying', 'rate_limited'],
      ['fallback', 'succeeded'],
    ]);
  });

  it('fails with deadline_exceeded at once on the last target rather than retry after the deadline', async () => {
    emulators.lastone.faults.push(openAIErrorFault('429', { times: 1, headers: { 'retry-after': '0.45' } }));
    const answer = await chat('lastone', 'nowhere to go', 400);
    expect(answer.status).toBe(504);
    expect(answer.body.error?.code).toBe('deadline_exceeded');
    expect(answer.elapsedMs).toBeLessThan(400);
    const record = await job(answer.jobId!);
    expect(record.error?.code).toBe('deadline_exceeded');
    expect(record.attempts.map((a) => a.error?.code)).toEqual(['rate_limited']);
    expect(emulators.lastone.requests).toHaveLength(1);
  });

  it('skips a primary at submit when its bucket wait would break the deadline', async () => {
    expect((await chat('paced', 'takes the only request of the minute')).status).toBe(200);
    const answer = await chat('paced', 'must not wait a minute', 1000);
    expect(answer.status).toBe(200);
    const record = await job(answer.jobId!);
    expect(record.attempts.map((a) => [a.deployment, a.error?.code ?? a.status, a.latency_ms])).toEqual([
      ['paced', 'deadline_exceeded', 0],
      ['fallback', 'succeeded', expect.any(Number)],
    ]);
    expect(emulators.paced.requests).toHaveLength(1);
  });

  it('skips a primary at submit while a vendor 429 has it paused', async () => {
    // Ten seconds is beyond the retry cap: the first job fails over, and the deployment stays paused.
    emulators.pausable.faults.push(openAIErrorFault('429', { times: 1, headers: { 'retry-after': '10' } }));
    const first = await chat('pausable', 'gets the 429');
    expect(first.status).toBe(200);
    const answer = await chat('pausable', 'arrives during the pause', 1000);
    expect(answer.status).toBe(200);
    const record = await job(answer.jobId!);
    // Skipped by the submitter (deadline_exceeded, no call), not by a worker finding the pause.
    expect(record.attempts.map((a) => [a.deployment, a.error?.code ?? a.status])).toEqual([
      ['pausable', 'deadline_exceeded'],
      ['fallback', 'succeeded'],
    ]);
    expect(emulators.pausable.requests).toHaveLength(1);
  });
});
