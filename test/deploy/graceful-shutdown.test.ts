import { Job, Queue, QueueEvents } from 'bullmq';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SwitchyardConfigInput } from '../../shared/config/config-schema.js';
import { llmQueueName, WEBHOOK_QUEUE } from '../../shared/queues/queue-names.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { spawnRole, type RoleProcess } from '../helpers/spawn-role.js';
import { FAST_WORKERS, TEST_ADMIN_KEY } from '../helpers/test-gateway.js';
import { deletePrefix, scanKeys, testPrefix, testRedis, TEST_REDIS_URL } from '../helpers/test-redis.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { apiUrlOf, exitWithin, waitForOutput } from './role-output.js';
import { startSlowUpstream, type SlowUpstream } from './slow-upstream.js';

/**
 * SIGTERM on real processes (`switchyard api` and `switchyard worker`, each its own OS process)
 * against an upstream whose answers the test holds, so a vendor call is in flight exactly when the
 * signal lands. The cases run in order and share the processes: the API of the first case is the
 * one stopped in the second.
 */

/** Worker grace: in-flight vendor calls are cut (and their jobs re-queued) after this. */
const WORKER_GRACE_MS = 400;
/** API grace: long enough that the held request is released well before it. */
const API_GRACE_MS = 10_000;
/** API grace of the case where a request outlives it. */
const SHORT_API_GRACE_MS = 400;
/** How soon after printing 'shutting down' an API must refuse new connections. */
const REFUSE_WITHIN_MS = 1_000;
/** What a process may take to exit beyond its grace: BullMQ and Redis connections closing. */
const EXIT_SLACK_MS = 2_500;

describe('graceful shutdown of separate api and worker processes', () => {
  const prefix = testPrefix('shutdown');
  const keys = new RedisKeys(prefix);
  const redis = testRedis();
  const running: RoleProcess[] = [];
  let upstream: SlowUpstream;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let api: RoleProcess;
  let apiUrl: string;
  let key: string;
  /** The API's exit, once the second case has sent it SIGTERM. */
  let apiExit: Promise<number | null> | undefined;

  const config = (graceMs: number): SwitchyardConfigInput => ({
    server: { port: 0, host: '127.0.0.1', adminKey: TEST_ADMIN_KEY, logLevel: 'info', shutdownGraceMs: graceMs, syncTimeoutMs: 30_000 },
    redis: { url: TEST_REDIS_URL, keyPrefix: prefix },
    deployments: { slow: { provider: 'openai', apiKey: 'dummy', baseURL: upstream.baseURL, concurrency: 4, timeoutMs: 30_000, maxAttempts: 1 } },
    models: { slow: [{ deployment: 'slow', model: 'gpt-4o-mini' }] },
    workers: FAST_WORKERS,
    webhooks: { allowPrivate: true, backoffMs: 50 },
  });
  const start = async (role: 'api' | 'worker', graceMs = role === 'api' ? API_GRACE_MS : WORKER_GRACE_MS): Promise<RoleProcess> => {
    const proc = await spawnRole(role, config(graceMs));
    running.push(proc);
    return proc;
  };
  const chat = (content: string, url = apiUrl): Promise<Response> =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'slow', messages: [{ role: 'user', content }] }),
    });
  const submit = async (content: string, webhook?: string): Promise<string> => {
    const res = await fetch(`${apiUrl}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ request: { model: 'slow', messages: [{ role: 'user', content }] }, ...(webhook ? { webhook: { url: webhook } } : {}) }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };
  const job = async (id: string, waitSeconds = 0): Promise<{ status: string; result: { choices: Array<{ message: { content: string } }> } | null; attempts: unknown[] }> => {
    const res = await fetch(`${apiUrl}/v1/jobs/${id}?wait=${waitSeconds}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Awaited<ReturnType<typeof job>>;
  };
  /**
   * Waits until the given BullMQ jobs complete (a job record ends, and its waiters hear of it, a
   * moment before the worker's processor returns), then counts the jobs BullMQ would still hand to
   * a worker: none may run again once every job has ended.
   */
  const pendingAfter = async (queueName: string, bullJobIds: string[]): Promise<number> => {
    const prefixOfQueue = keys.bullPrefix(queueName);
    const queue = new Queue(queueName, { connection: redis, prefix: prefixOfQueue });
    const eventsConnection = testRedis();
    const events = new QueueEvents(queueName, { connection: eventsConnection, prefix: prefixOfQueue });
    try {
      await events.waitUntilReady();
      for (const id of bullJobIds) {
        const job = await Job.fromId(queue, id);
        if (!job) throw new Error(`no BullMQ job ${id} in ${queueName}`);
        await job.waitUntilFinished(events);
      }
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    } finally {
      await events.close();
      await queue.close();
      await eventsConnection.quit();
    }
  };

  beforeAll(async () => {
    [upstream, hooks] = await Promise.all([startSlowUpstream(), startWebhookReceiver()]);
    api = await start('api');
    apiUrl = apiUrlOf(api);
    const res = await fetch(`${apiUrl}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ team: 'shutdown' }),
    });
    key = ((await res.json()) as { key: string }).key;
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => (p.child.exitCode === null && p.child.signalCode === null ? p.kill() : undefined)));
    await Promise.all([upstream?.close(), hooks?.close()]);
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('a worker on SIGTERM cuts its calls at the grace bound, re-queues their jobs without taking them again, exits 0, and another worker finishes each job once', async () => {
    const workerA = await start('worker');
    let syncSettled = false;
    const sync = chat('sync-1').finally(() => (syncSettled = true));
    const asyncId = await submit('async-1', hooks.url);
    await upstream.arrived(2);

    const stoppedAt = performance.now();
    const code = await exitWithin(workerA.stop(), WORKER_GRACE_MS + EXIT_SLACK_MS);
    const exitMs = performance.now() - stoppedAt;

    expect(code).toBe(0);
    expect(exitMs).toBeGreaterThanOrEqual(WORKER_GRACE_MS);
    // Both calls were cut, and A (draining, every slot free) did not take the attempts it re-queued
    // before exiting: the upstream saw nothing more while A lived.
    expect(await Promise.all(upstream.requests.map((r) => r.outcome))).toEqual(['aborted', 'aborted']);
    expect(upstream.requests).toHaveLength(2);
    // Re-queued as the next attempt, not failed, and the cut call is not counted as an attempt.
    expect(await job(asyncId)).toMatchObject({ status: 'queued', attempts: [] });
    expect(await redis.hget(keys.job(asyncId), 'seq')).toBe('2');
    expect(syncSettled).toBe(false);

    upstream.release();
    await start('worker');
    const res = await sync;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-attempts')).toBe('1');
    const syncId = res.headers.get('x-switchyard-job-id')!;
    expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe('echo: sync-1');
    // The delivery may have arrived already (next() waits only for later ones).
    const [done, delivery] = await Promise.all([job(asyncId, 20), hooks.deliveries[0] ?? hooks.next()]);
    expect(done).toMatchObject({ status: 'succeeded', attempts: [{ status: 'succeeded' }] });
    expect(done.result?.choices[0]?.message.content).toBe('echo: async-1');
    expect(JSON.parse(delivery.body)).toMatchObject({ type: 'job.succeeded', data: { id: asyncId } });

    // Exactly one result each: nothing left that could run or deliver again, one delivery, and the
    // upstream saw each cut call exactly once more.
    expect(await pendingAfter(llmQueueName('slow'), [`${syncId}-2`, `${asyncId}-2`])).toBe(0);
    expect(await pendingAfter(WEBHOOK_QUEUE, [`wh-${asyncId}`])).toBe(0);
    expect(hooks.deliveries).toHaveLength(1);
    expect(upstream.requests.map((r) => r.marker).sort()).toEqual(['async-1', 'async-1', 'sync-1', 'sync-1']);
  });

  it('an API on SIGTERM refuses new connections but finishes an in-flight synchronous request', async () => {
    upstream.hold();
    const before = upstream.requests.length;
    const sync = chat('sync-2');
    await upstream.arrived(before + 1);

    const exit = api.stop();
    await waitForOutput(api, 'shutting down');
    // The process closes its listener right after printing that line, but may be descheduled in
    // between, and it says nothing once the listener is closed: probe until refused, within a bound.
    const port = Number(new URL(apiUrl).port);
    const refusedAt = performance.now() + REFUSE_WITHIN_MS;
    let outcome = await tryConnect(port);
    while (outcome === 'connected' && performance.now() < refusedAt) outcome = await tryConnect(port);
    // Refused once the listener is gone; reset if it was still queued in the closing listener's backlog.
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(outcome);

    upstream.release();
    const res = await sync;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe('echo: sync-2');
    apiExit = exit;
  });

  // The client above keeps its connection open, as every HTTP/1.1 SDK does; without the drain's
  // `Connection: close` the API would wait for it until the grace cut (API_GRACE_MS, 10 s, here).
  it('an API exits 0 promptly after its last in-flight request, though the client keeps the connection alive', async () => {
    expect(apiExit).toBeDefined();
    expect(await exitWithin(apiExit!, EXIT_SLACK_MS)).toBe(0);
  });

  it('an API cuts a request still open at its grace bound, cancels its job (aborting the vendor call) and exits 0', async () => {
    upstream.hold();
    const before = upstream.requests.length;
    const shortApi = await start('api', SHORT_API_GRACE_MS);
    const held = chat('sync-3', apiUrlOf(shortApi)).then(
      (res) => res.status,
      (err: Error) => err.name,
    );
    await upstream.arrived(before + 1);

    const stoppedAt = performance.now();
    const code = await exitWithin(shortApi.stop(), SHORT_API_GRACE_MS + EXIT_SLACK_MS);
    expect(code).toBe(0);
    expect(performance.now() - stoppedAt).toBeGreaterThanOrEqual(SHORT_API_GRACE_MS);
    // The connection was cut, not answered: the client sees a network error (and may retry elsewhere).
    expect(await held).toBe('TypeError');
    // Its job was cancelled before the API closed Redis, so the worker aborted the vendor call
    // instead of running it to an end nobody reads.
    const call = upstream.requests[before]!;
    expect(call.marker).toBe('sync-3');
    expect(await call.outcome).toBe('aborted');
    const ids = (await scanKeys(redis, keys.job('*'))).map((k) => /\{(job_[0-9a-f]+)\}/.exec(k)?.[1]);
    const statuses = await Promise.all(ids.map(async (id) => [await redis.hget(keys.job(id!), 'status'), await redis.hget(keys.job(id!), 'request')] as const));
    const cut = statuses.filter(([, request]) => request?.includes('sync-3'));
    expect(cut.map(([status]) => status)).toEqual(['cancelled']);
  });
});

/** Opens and drops one TCP connection: 'connected', or the error code (ECONNREFUSED once nobody listens). */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
