import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { queuedJobTotal } from '../helpers/queue-counts.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

const chat = { model: 'mock', messages: [{ role: 'user', content: 'ping' }] };

describe('async jobs: submit, long-poll, idempotency, cancel, team scope', () => {
  const config = testConfig();
  let api: TestGateway;
  let worker: TestGateway | undefined;
  let teamA: string;
  let teamB: string;

  const call = (key: string, path: string, init: RequestInit = {}) =>
    fetch(`${api.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers } });

  beforeAll(async () => {
    // API only at first: jobs stay queued until a worker process joins.
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
    teamA = (await api.createKey('team-a')).key;
    teamB = (await api.createKey('team-b')).key;
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('queues a job (202 + Location), cancels it while queued, and refuses a second cancel', async () => {
    const submitted = await call(teamA, '/v1/jobs', { method: 'POST', body: JSON.stringify({ request: chat, metadata: { batch: '7' } }) });
    expect(submitted.status).toBe(202);
    const job = (await submitted.json()) as PublicJob;
    expect(submitted.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    expect(job).toMatchObject({ object: 'job', status: 'queued', model: 'mock', result: null, error: null, metadata: { batch: '7' } });

    const cancelled = await call(teamA, `/v1/jobs/${job.id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as PublicJob).status).toBe('cancelled');
    expect((await call(teamA, `/v1/jobs/${job.id}`, { method: 'DELETE' })).status).toBe(409);
  });

  it('hides one team\'s job from another team (404)', async () => {
    const job = (await (await call(teamA, '/v1/jobs', { method: 'POST', body: JSON.stringify({ request: chat }) })).json()) as PublicJob;
    const other = await call(teamB, `/v1/jobs/${job.id}`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await call(teamB, `/v1/jobs/${job.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('returns the same job for a repeated Idempotency-Key, without enqueueing twice', async () => {
    const before = await queuedJobTotal(config, 'local');
    const headers = { 'idempotency-key': 'order-42' };
    const first = (await (await call(teamA, '/v1/jobs', { method: 'POST', headers, body: JSON.stringify({ request: chat }) })).json()) as PublicJob;
    const again = await call(teamA, '/v1/jobs', { method: 'POST', headers, body: JSON.stringify({ request: chat }) });
    expect(again.headers.get('x-switchyard-idempotent-replay')).toBe('true');
    expect(((await again.json()) as PublicJob).id).toBe(first.id);
    expect(await queuedJobTotal(config, 'local')).toBe(before + 1);
    // The same key string from another virtual key is another job.
    const otherKey = (await (await call(teamB, '/v1/jobs', { method: 'POST', headers, body: JSON.stringify({ request: chat }) })).json()) as PublicJob;
    expect(otherKey.id).not.toBe(first.id);
  });

  it('long-polls a queued job until a worker process finishes it', async () => {
    const job = (await (await call(teamA, '/v1/jobs', { method: 'POST', body: JSON.stringify({ request: chat }) })).json()) as PublicJob;
    const polling = call(teamA, `/v1/jobs/${job.id}?wait=20`);
    worker = await startTestGateway(config, { roles: { api: false, worker: true } });
    const done = (await (await polling).json()) as PublicJob;
    expect(done.status).toBe('succeeded');
    expect(done.result?.choices[0]?.message.content).toBe('This is a mock response to: ping');
    expect(done.attempts).toEqual([{ deployment: 'local', model: 'mock-1', status: 'succeeded', error: null, latency_ms: expect.any(Number) }]);
    expect(done.started_at).not.toBeNull();
    expect(done.completed_at).not.toBeNull();
  });

  it('answers a long-poll of a finished job at once', async () => {
    const job = (await (await call(teamA, '/v1/jobs', { method: 'POST', body: JSON.stringify({ request: chat }) })).json()) as PublicJob;
    await call(teamA, `/v1/jobs/${job.id}?wait=20`);
    const started = Date.now();
    const again = (await (await call(teamA, `/v1/jobs/${job.id}?wait=20`)).json()) as PublicJob;
    expect(again.status).toBe('succeeded');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects a wait beyond the maximum rather than clamping it', async () => {
    const res = await call(teamA, '/v1/jobs/job_x?wait=61');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('wait');
  });

  it('turns Prefer: respond-async on /v1/chat/completions into an async submit', async () => {
    const res = await call(teamA, '/v1/chat/completions', { method: 'POST', headers: { prefer: 'respond-async' }, body: JSON.stringify(chat) });
    expect(res.status).toBe(202);
    const job = (await res.json()) as PublicJob;
    expect(res.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
  });
});
