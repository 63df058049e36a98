import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestFingerprint } from '../../api/idempotency-claims.js';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/index.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
import { testRedis } from '../helpers/test-redis.js';

const submit = (client: OpenAI, body: Record<string, unknown>, idempotencyKey: string) =>
  client.post<PublicJob>('/jobs', { body, headers: { 'Idempotency-Key': idempotencyKey } }).withResponse();

type Outcome = { id: string; replay: boolean } | { status: number; code: string | null | undefined };

/** Runs a submit and reports the job id it got, or the API error it got. */
async function outcome(call: ReturnType<typeof submit>): Promise<Outcome> {
  try {
    const { data, response } = await call;
    return { id: data.id, replay: response.headers.get('x-switchyard-idempotent-replay') === 'true' };
  } catch (err) {
    if (!(err instanceof OpenAI.APIError)) throw err;
    return { status: err.status ?? 0, code: err.code };
  }
}

const ids = (outcomes: Outcome[]): string[] => outcomes.flatMap((o) => ('id' in o ? [o.id] : []));

/**
 * Idempotency-Key under real concurrency: many simultaneous submits with one key, on one API process
 * and across two, make one job and one vendor call; a key reused with another body is refused.
 */
describe('Idempotency-Key under concurrency', () => {
  let emulator: OpenAIEmulator;
  let replicaA: TestGateway;
  let replicaB: TestGateway;
  let keys: RedisKeys;
  const redis = testRedis();
  let secret: { id: string; key: string };

  /** Calls the emulator received for a prompt (each job has its own prompt). */
  const vendorCalls = (content: string): number =>
    emulator.requests.filter((r) => JSON.stringify(r.body.messages).includes(JSON.stringify(content))).length;
  const jobRecords = async (): Promise<number> => (await redis.keys(`${keys.prefix}:job:*`)).length;
  const waitDone = (client: OpenAI, id: string) => client.get<PublicJob>(`/jobs/${id}`, { query: { wait: 20 } });
  const body = (content: string) => ({ request: { model: 'gpt', messages: [{ role: 'user', content }] } });

  beforeAll(async () => {
    emulator = await startOpenAIEmulator();
    // Vendor latency keeps each job running while its duplicates arrive.
    emulator.latencyMs = 50;
    const config = testConfig({
      deployments: { oa: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: emulator.url } },
      models: { gpt: [{ deployment: 'oa', model: 'gpt-4o' }] },
    });
    keys = new RedisKeys(config.redis.keyPrefix);
    replicaA = await startTestGateway(config);
    // A second API process on the same Redis, as behind a load balancer.
    replicaB = await startTestGateway(config, { roles: { api: true, worker: false } });
    secret = await replicaA.createKey('team-idem');
  });
  afterAll(async () => {
    await replicaB?.close();
    await replicaA?.close();
    await emulator?.close();
    await redis.quit();
  });

  it('makes one job and one vendor call from 25 simultaneous submits on one API process', async () => {
    const client = replicaA.client(secret.key);
    const before = await jobRecords();
    const outcomes = await Promise.all(Array.from({ length: 25 }, () => outcome(submit(client, body('one process'), 'burst-1'))));

    expect(outcomes.every((o) => 'id' in o)).toBe(true);
    expect(new Set(ids(outcomes)).size).toBe(1);
    expect(outcomes.filter((o) => 'id' in o && !o.replay)).toHaveLength(1);
    const done = await waitDone(client, ids(outcomes)[0]!);
    expect(done.status).toBe('succeeded');
    expect(await jobRecords()).toBe(before + 1);
    expect(vendorCalls('one process')).toBe(1);
  });

  it('holds for chat completions with Prefer: respond-async too: one job, one vendor call, the same body again is a replay', async () => {
    const client = replicaA.client(secret.key);
    const chat = { model: 'gpt', messages: [{ role: 'user', content: 'respond async once' }] };
    const post = (idempotencyKey: string, payload: Record<string, unknown> = chat) =>
      outcome(client.post<PublicJob>('/chat/completions', { body: payload, headers: { 'Idempotency-Key': idempotencyKey, Prefer: 'respond-async' } }).withResponse());
    const before = await jobRecords();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => post('chat-async-1')));
    expect(new Set(ids(outcomes)).size).toBe(1);
    expect(outcomes.filter((o) => 'id' in o && !o.replay)).toHaveLength(1);
    expect((await waitDone(client, ids(outcomes)[0]!)).status).toBe('succeeded');
    expect(await post('chat-async-1')).toEqual({ id: ids(outcomes)[0], replay: true });
    expect(await post('chat-async-1', { ...chat, temperature: 0 })).toEqual({ status: 422, code: 'idempotency_key_reused' });
    expect(await jobRecords()).toBe(before + 1);
    expect(vendorCalls('respond async once')).toBe(1);
  });

  it('makes one job across two API processes; any loser gets 409 idempotency_key_in_use, never a second job', async () => {
    const a = replicaA.client(secret.key);
    const b = replicaB.client(secret.key);
    const before = await jobRecords();
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(submit(i % 2 ? a : b, body('two processes'), 'burst-2'))));

    const got = ids(outcomes);
    expect(new Set(got).size).toBe(1);
    for (const o of outcomes) if (!('id' in o)) expect(o).toEqual({ status: 409, code: 'idempotency_key_in_use' });
    // Retrying (what the SDK does by itself on 409) gets the one job from either process.
    const retried = await submit(b, body('two processes'), 'burst-2');
    expect(retried.data.id).toBe(got[0]);
    expect(retried.response.headers.get('x-switchyard-idempotent-replay')).toBe('true');
    expect((await waitDone(b, got[0]!)).status).toBe('succeeded');
    expect(await jobRecords()).toBe(before + 1);
    expect(vendorCalls('two processes')).toBe(1);
  });

  it('gives every SDK client with default retries the same job across two API processes', async () => {
    const a = new OpenAI({ apiKey: secret.key, baseURL: `${replicaA.url}/v1` });
    const b = new OpenAI({ apiKey: secret.key, baseURL: `${replicaB.url}/v1` });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => submit(i % 2 ? a : b, body('sdk retries'), 'burst-3')));
    expect(new Set(results.map((r) => r.data.id)).size).toBe(1);
    expect((await waitDone(a, results[0]!.data.id)).status).toBe('succeeded');
    expect(vendorCalls('sdk retries')).toBe(1);
  });

  it('refuses the losers of a race between two different bodies with 422, making one job', async () => {
    const client = replicaA.client(secret.key);
    const before = await jobRecords();
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => ({ content: i % 2 ? 'body x' : 'body y', result: await outcome(submit(client, body(i % 2 ? 'body x' : 'body y'), 'burst-4')) })),
    );
    const winners = outcomes.filter((o) => 'id' in o.result);
    const losers = outcomes.filter((o) => !('id' in o.result));
    expect(new Set(winners.map((o) => o.content)).size).toBe(1);
    expect(new Set(ids(winners.map((o) => o.result))).size).toBe(1);
    expect(losers).toHaveLength(6);
    for (const loser of losers) {
      expect(loser.content).not.toBe(winners[0]!.content);
      expect(loser.result).toEqual({ status: 422, code: 'idempotency_key_reused' });
    }
    await waitDone(client, ids(winners.map((o) => o.result))[0]!);
    expect(await jobRecords()).toBe(before + 1);
    expect(vendorCalls('body x') + vendorCalls('body y')).toBe(1);
  });

  it('gives the key back when its claimant fails admission, so a later retry makes the job', async () => {
    const res = await replicaA.admin('/admin/keys', { method: 'POST', body: JSON.stringify({ team: 'team-idem-rpm', rpm: 1 }) });
    const limited = (await res.json()) as { id: string; key: string };
    const client = replicaA.client(limited.key);
    await client.post('/jobs', { body: body('use up the minute') });

    const refused = await Promise.all(Array.from({ length: 5 }, () => outcome(submit(client, body('after a 429'), 'retry-me'))));
    expect(refused).toEqual(Array(5).fill({ status: 429, code: 'rate_limited' }));
    expect(await redis.exists(keys.idempotency(limited.id, 'retry-me'))).toBe(0);

    await replicaA.admin(`/admin/keys/${limited.id}`, { method: 'PATCH', body: JSON.stringify({ rpm: null }) });
    const accepted = await outcome(submit(client, body('after a 429'), 'retry-me'));
    expect(accepted).toMatchObject({ replay: false });
    expect((await waitDone(client, (accepted as { id: string }).id)).status).toBe('succeeded');
    expect(vendorCalls('after a 429')).toBe(1);
  });

  it('waits out a fresh claim with no job yet (409), and takes over one whose claimant died', async () => {
    const client = replicaA.client(secret.key);
    const claimKey = keys.idempotency(secret.id, 'orphan');
    const fingerprint = requestFingerprint(body('orphaned'));

    // Claimed a moment ago by a process that has not written its job yet: in use.
    await redis.set(claimKey, `job_elsewhere|${fingerprint}|${Date.now()}`, 'EX', 60);
    const busy = await client.post('/jobs', { body: body('orphaned'), headers: { 'Idempotency-Key': 'orphan' } }).asResponse().catch((err: unknown) => err);
    expect(busy).toBeInstanceOf(OpenAI.ConflictError);
    const conflict = busy as InstanceType<typeof OpenAI.ConflictError>;
    expect(conflict.code).toBe('idempotency_key_in_use');
    expect(conflict.headers.get('retry-after')).toBe('1');

    // Claimed long ago and still no job: its claimant died; the next request takes the key over.
    await redis.set(claimKey, `job_dead|${fingerprint}|${Date.now() - 10 * 60_000}`, 'EX', 60);
    const taken = await submit(client, body('orphaned'), 'orphan');
    expect(taken.data.id).not.toBe('job_dead');
    expect(taken.response.headers.get('x-switchyard-idempotent-replay')).toBeNull();
    expect((await redis.get(claimKey))?.startsWith(`${taken.data.id}|${fingerprint}|`)).toBe(true);
    expect((await waitDone(client, taken.data.id)).status).toBe('succeeded');
    expect(vendorCalls('orphaned')).toBe(1);
  });
});
