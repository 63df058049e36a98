import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { queuedJobTotal } from '../helpers/queue-counts.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
import { testRedis } from '../helpers/test-redis.js';

const chat = { model: 'mock', messages: [{ role: 'user', content: 'ping' }] };

/** The official SDK's generic request methods reach routes it has no resource for: `/v1/jobs`. */
const submit = (client: OpenAI, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  client.post<PublicJob>('/jobs', { body, headers }).withResponse();
const getJob = (client: OpenAI, id: string, wait?: number) => client.get<PublicJob>(`/jobs/${id}`, wait === undefined ? {} : { query: { wait } });
const cancelJob = (client: OpenAI, id: string) => client.delete<PublicJob>(`/jobs/${id}`);

/** In how many per-team fair-queue sets job `id` holds a place. */
async function fairPlaces(prefix: string, id: string): Promise<number> {
  const redis = testRedis();
  try {
    const sets = await redis.keys(`${prefix}:fair:*`);
    const member = await Promise.all(sets.map((key) => redis.sismember(key, id)));
    return member.reduce((a, b) => a + b, 0);
  } finally {
    await redis.quit();
  }
}

describe('async jobs: submit, long-poll, idempotency, cancel, team scope', () => {
  const config = testConfig();
  let api: TestGateway;
  let worker: TestGateway | undefined;
  let teamA: OpenAI;
  let teamB: OpenAI;

  beforeAll(async () => {
    // API only at first: jobs stay queued until a worker process joins.
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
    teamA = api.client((await api.createKey('team-a')).key);
    teamB = api.client((await api.createKey('team-b')).key);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('queues a job (202 + Location), cancels it while queued, and refuses a second cancel', async () => {
    const { data: job, response } = await submit(teamA, { request: chat, metadata: { batch: '7' } });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    expect(job.id).toMatch(/^job_[0-9a-f]{32}$/);
    expect(job).toMatchObject({ object: 'job', status: 'queued', model: 'mock', result: null, error: null, metadata: { batch: '7' } });

    // Waiting, it holds a place in its team's fair queue; cancelled, it gives the place up.
    expect(await fairPlaces(config.redis.keyPrefix, job.id)).toBe(1);
    expect((await cancelJob(teamA, job.id)).status).toBe('cancelled');
    expect(await fairPlaces(config.redis.keyPrefix, job.id)).toBe(0);
    const again = await cancelJob(teamA, job.id).catch((err: unknown) => err);
    expect(again).toBeInstanceOf(OpenAI.ConflictError);
  });

  it("hides one team's job from another team (404)", async () => {
    const { data: job } = await submit(teamA, { request: chat });
    const read = await getJob(teamB, job.id).catch((err: unknown) => err);
    expect(read).toBeInstanceOf(OpenAI.NotFoundError);
    expect((read as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('not_found');
    expect(await cancelJob(teamB, job.id).catch((err: unknown) => err)).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('returns the same job for a repeated Idempotency-Key, without enqueueing twice', async () => {
    const before = await queuedJobTotal(config, 'local');
    const headers = { 'Idempotency-Key': 'order-42' };
    const first = await submit(teamA, { request: chat }, headers);
    expect(first.response.headers.get('x-switchyard-idempotent-replay')).toBeNull();
    // Same request, keys in another order: the same body, so the same job.
    const again = await submit(teamA, { request: { messages: chat.messages, model: chat.model } }, headers);
    expect(again.response.status).toBe(202);
    expect(again.response.headers.get('x-switchyard-idempotent-replay')).toBe('true');
    expect(again.response.headers.get('location')).toBe(`/v1/jobs/${first.data.id}`);
    expect(again.data.id).toBe(first.data.id);
    expect(await queuedJobTotal(config, 'local')).toBe(before + 1);
    // The same key string from another virtual key is another job.
    const otherKey = await submit(teamB, { request: chat }, headers);
    expect(otherKey.data.id).not.toBe(first.data.id);
    expect(await queuedJobTotal(config, 'local')).toBe(before + 2);
  });

  it('refuses an Idempotency-Key reused with a different body (422 idempotency_key_reused), enqueueing nothing', async () => {
    const headers = { 'Idempotency-Key': 'order-43' };
    await submit(teamA, { request: chat }, headers);
    const before = await queuedJobTotal(config, 'local');
    const reused = await submit(teamA, { request: { ...chat, messages: [{ role: 'user', content: 'pong' }] } }, headers).catch((err: unknown) => err);
    expect(reused).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    const error = reused as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(422);
    expect(error.code).toBe('idempotency_key_reused');
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe('Idempotency-Key');
    // Metadata is part of the body too.
    const withMetadata = await submit(teamA, { request: chat, metadata: { x: '1' } }, headers).catch((err: unknown) => err);
    expect((withMetadata as InstanceType<typeof OpenAI.APIError>).code).toBe('idempotency_key_reused');
    expect(await queuedJobTotal(config, 'local')).toBe(before);
  });

  it('long-polls a queued job until a worker process finishes it', async () => {
    const { data: job } = await submit(teamA, { request: chat });
    const polling = getJob(teamA, job.id, 20);
    worker = await startTestGateway(config, { roles: { api: false, worker: true } });
    const done = await polling;
    expect(done.status).toBe('succeeded');
    expect(done.result?.choices[0]?.message.content).toBe('This is a mock response to: ping');
    expect(done.attempts).toEqual([{ deployment: 'local', model: 'mock-1', status: 'succeeded', error: null, latency_ms: expect.any(Number) }]);
    expect(done.started_at).not.toBeNull();
    expect(done.completed_at).not.toBeNull();
  });

  it('answers a long-poll of a finished job at once', async () => {
    const { data: job } = await submit(teamA, { request: chat });
    await getJob(teamA, job.id, 20);
    const started = Date.now();
    const again = await getJob(teamA, job.id, 20);
    expect(again.status).toBe('succeeded');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects a wait beyond the maximum rather than clamping it', async () => {
    const res = await getJob(teamA, 'job_x', 61).catch((err: unknown) => err);
    expect(res).toBeInstanceOf(OpenAI.BadRequestError);
    expect((res as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('wait');
  });

  it('turns Prefer: respond-async on /v1/chat/completions into an async submit', async () => {
    const { data, response } = await teamA.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'later' }] }, { headers: { prefer: 'respond-async' } }).withResponse();
    expect(response.status).toBe(202);
    const job = data as unknown as PublicJob;
    expect(job.object).toBe('job');
    expect(response.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
  });
});
