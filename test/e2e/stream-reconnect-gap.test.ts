import { Redis } from 'ioredis';
import OpenAI, { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { parseStreamMessage, type StreamMessage } from '../../shared/jobs/stream-messages.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai-emulator.js';
import { HAS_REDIS_SERVER, startPersistentRedis } from '../helpers/redis-server-process.js';
import { recordingClient } from '../helpers/sse-recorder.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

/** A gate a test opens: the emulator's stream waits on it between two events. */
function gate(): { until: Promise<void>; open: () => void } {
  let open!: () => void;
  const until = new Promise<void>((resolve) => (open = resolve));
  return { until, open };
}

/** Waits (bounded) until `check` holds, re-asking Redis each round: for states Redis reports but announces to no one. */
async function until(check: () => Promise<boolean>, what: string, boundMs = 5000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Chunks really lost between worker and API: the API's pub/sub connection is killed in Redis
 * (CLIENT KILL) mid-stream and kept from reconnecting (maxclients) while the worker publishes, then
 * let back. The relay must notice the gap in the sequence numbers and end the client's stream with
 * an error event and no `[DONE]`. It runs on a private redis-server: killing and refusing
 * connections on the shared one would hit every other test using it.
 */
describe.skipIf(!HAS_REDIS_SERVER)('streams: chunks lost to a pub/sub reconnect end the client stream with an error', () => {
  let redis: Awaited<ReturnType<typeof startPersistentRedis>>;
  let admin: Redis;
  let observer: Redis | undefined;
  let emulator: OpenAIEmulator;
  let gateway: TestGateway;
  let key: string;
  let maxClients: string;

  beforeAll(async () => {
    redis = await startPersistentRedis(17_400 + Math.floor(Math.random() * 1000));
    admin = new Redis(redis.url, { maxRetriesPerRequest: null });
    maxClients = ((await admin.config('GET', 'maxclients')) as string[])[1]!;
    emulator = await startOpenAIEmulator();
    gateway = await startTestGateway(
      testConfig({
        redis: { url: redis.url },
        deployments: { oa: { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: emulator.url, maxAttempts: 1, timeoutMs: 10_000, circuitBreaker: { minRequests: 10_000 } } },
        models: { smart: [{ deployment: 'oa', model: 'gpt-4o' }] },
      }),
    );
    key = (await gateway.createKey('team-gap')).key;
  });
  afterEach(async () => {
    emulator?.streams.set(null);
    await admin?.config('SET', 'maxclients', maxClients);
    observer?.disconnect();
    observer = undefined;
  });
  afterAll(async () => {
    await gateway?.close();
    admin?.disconnect();
    await Promise.all([emulator?.close(), redis?.stop()]);
  });

  /** Pub/sub clients as CLIENT LIST shows them, but `except`. */
  const pubsubClients = async (except: string): Promise<Array<{ id: string; sub: number }>> =>
    ((await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string)
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ id: /(?:^| )id=(\d+)/.exec(line)![1]!, sub: Number(/ sub=(\d+)/.exec(line)![1]) }))
      .filter((c) => c.id !== except);
  const subscribers = async (channel: string): Promise<number> => Number(((await admin.pubsub('NUMSUB', channel)) as [string, number])[1]);
  const publicJob = async (id: string, waitSeconds = 0): Promise<PublicJob> =>
    (await (await fetch(`${gateway.url}/v1/jobs/${id}?wait=${waitSeconds}`, { headers: { authorization: `Bearer ${key}` } })).json()) as PublicJob;

  /**
   * Subscribes a test connection to the API process's stream channel (there is one API process
   * here), to see what the worker publishes whether or not the API gets it. Returns its client id.
   */
  const observe = async (onMessage: (message: StreamMessage) => void, onJobEvent: (event: string) => void = () => undefined): Promise<{ id: string; channel: string }> => {
    const keys = new RedisKeys(gateway.config.redis.keyPrefix);
    const channels = (await admin.pubsub('CHANNELS', keys.streamChannel('*'))) as string[];
    expect(channels).toHaveLength(1);
    observer = new Redis(redis.url, { maxRetriesPerRequest: null });
    const id = String(await observer.client('ID'));
    observer.on('message', (channel: string, raw: string) => {
      if (channel === keys.jobEvents()) return onJobEvent(raw);
      const message = parseStreamMessage(raw);
      if (message) onMessage(message);
    });
    await observer.subscribe(channels[0]!, keys.jobEvents());
    return { id, channel: channels[0]! };
  };

  /** Kills the API's pub/sub connection and keeps it from reconnecting until `letBack` is called. */
  const cutApiSubscriber = async (observerId: string): Promise<{ letBack: () => Promise<void> }> => {
    // The API's one pub/sub connection: job events, its stream channel and key events. (The worker
    // role's cancel-events and the batch listener's job-events connections have one channel each.)
    const apis = (await pubsubClients(observerId)).filter((c) => c.sub === 3);
    expect(apis).toHaveLength(1);
    const api = apis[0]!;
    // Refuse new connections first, so the kill cannot be followed by a quick reconnect.
    const connected = ((await admin.client('LIST')) as string).split('\n').filter(Boolean).length;
    await admin.config('SET', 'maxclients', String(connected - 1));
    expect(await admin.client('KILL', 'ID', api.id)).toBe(1);
    return {
      async letBack() {
        // ioredis reconnects and re-subscribes once Redis takes connections again.
        await admin.config('SET', 'maxclients', maxClients);
        await until(async () => (await pubsubClients(observerId)).some((c) => c.sub === 3 && c.id !== api.id), 'the API re-subscribed');
      },
    };
  };

  /** Reads the rest of an SDK stream: its text, and the error it ended with (null: it ended clean). */
  const readRest = async (chunks: AsyncIterator<OpenAI.ChatCompletionChunk>): Promise<{ text: string; error: unknown }> => {
    let text = '';
    try {
      for (;;) {
        const next = await chunks.next();
        if (next.done) return { text, error: null };
        text += next.value.choices[0]?.delta.content ?? '';
      }
    } catch (error) {
      return { text, error };
    }
  };

  it('relays chunks up to the loss, then ends with an OpenAI-shaped error event and no [DONE]; the job still succeeds', async () => {
    const [outage, back] = [gate(), gate()];
    // Events: role, "echo:", " lost", " after", " reconnect", finish, [DONE]. The hold before " lost"
    // is opened while the API is disconnected, the one before " after" once it is back.
    emulator.streams.set({ holds: [{ beforeChunk: 2, until: outage.until }, { beforeChunk: 3, until: back.until }], times: 1 });
    const published: StreamMessage[] = [];
    let lostPublished!: () => void;
    const lost = new Promise<void>((resolve) => (lostPublished = resolve));
    const { channel, id: observerId } = await observe((message) => {
      published.push(message);
      if (message.kind === 'chunk' && message.seq === 3) lostPublished();
    });

    const { client, bodies } = recordingClient(gateway.url, key);
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'user', content: 'lost after reconnect' }], stream: true })
      .withResponse();
    const jobId = response.headers.get('x-switchyard-job-id')!;
    const chunks = stream[Symbol.asyncIterator]();
    let text = '';
    while (!text) text += (await chunks.next()).value?.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo:');

    const cut = await cutApiSubscriber(observerId);
    expect(await subscribers(channel)).toBe(1);
    // The worker publishes chunk 3 while no API connection is subscribed: it is lost to the API.
    outage.open();
    await lost;
    expect(await subscribers(channel)).toBe(1);
    await cut.letBack();
    expect(await subscribers(channel)).toBe(2);
    back.open();

    const rest = await readRest(chunks);
    expect(rest.error).toBeInstanceOf(APIError);
    expect((rest.error as APIError).message).toContain('lost chunks between the worker and the API (chunk 4 arrived after chunk 2)');
    // Nothing after the loss reached the client: no chunk past it, and no [DONE].
    expect(rest.text).toBe('');
    const raw = await bodies[0]!;
    expect(raw).not.toContain('[DONE]');
    expect(raw).not.toContain('"content":" after"');
    const last = JSON.parse(raw.trimEnd().split('\n\n').at(-1)!.slice('data: '.length)) as { error: { type: string; code: string; message: string } };
    expect(last.error).toMatchObject({ type: 'server_error', code: 'server_error' });
    expect(last.error.message).toContain(`GET /v1/jobs/${jobId}`);

    // The worker got the whole vendor stream and sent all of it: 6 chunks and the end marker.
    const job = await publicJob(jobId, 5);
    expect(published.map((m) => (m.kind === 'chunk' ? m.seq : `end ${m.total}`))).toEqual([1, 2, 3, 4, 5, 6, 'end 6']);
    // The vendor answered in full, so the job did: its result is the whole answer, where the error points.
    expect(job.status).toBe('succeeded');
    expect(job.result?.choices[0]?.message.content).toBe('echo: lost after reconnect');
    expect(job.attempts.map((a) => `${a.deployment}:${a.status}`)).toEqual(['oa:succeeded']);
    expect(await emulator.requests.at(-1)!.outcome).toBe('answered');
  });

  it('ends the stream with the error event when the rest of it and the job\'s end were all published while the API was away', async () => {
    const outage = gate();
    emulator.streams.set({ holds: [{ beforeChunk: 2, until: outage.until }], times: 1 });
    let endPublished!: () => void;
    const ended = new Promise<void>((resolve) => (endPublished = resolve));
    let jobEnded!: () => void;
    const jobEnd = new Promise<void>((resolve) => (jobEnded = resolve));
    const { id: observerId } = await observe(
      (message) => message.kind === 'end' && endPublished(),
      () => jobEnded(),
    );
    const { client, bodies } = recordingClient(gateway.url, key);
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'user', content: 'all of it lost' }], stream: true })
      .withResponse();
    const jobId = response.headers.get('x-switchyard-job-id')!;
    const chunks = stream[Symbol.asyncIterator]();
    let text = '';
    while (!text) text += (await chunks.next()).value?.choices[0]?.delta.content ?? '';

    const cut = await cutApiSubscriber(observerId);
    outage.open();
    // The rest of the chunks, the end marker and the job's terminal event all go out unheard.
    await Promise.all([ended, jobEnd]);
    expect((await publicJob(jobId)).status).toBe('succeeded');
    await cut.letBack();

    // Nothing more will be published for this job: the API must find out from the record. Bounded
    // far below the sync timeout (10 minutes by default) that would otherwise end the wait.
    const bound = new Promise<'still open'>((resolve) => setTimeout(resolve, 3000, 'still open').unref());
    const rest = await Promise.race([readRest(chunks), bound]);
    expect(rest).not.toBe('still open');
    if (rest === 'still open') return;
    expect(rest.text).toBe('');
    expect(rest.error).toBeInstanceOf(APIError);
    expect((rest.error as APIError).message).toContain('lost chunks between the worker and the API');
    const raw = await bodies[0]!;
    expect(raw).not.toContain('[DONE]');
    expect(raw).toContain(`GET /v1/jobs/${jobId}`);
  });

  it('answers a synchronous call whose job ended while the API was away, from the record, without waiting out its timeout', async () => {
    const released = gate();
    emulator.faults.set({ until: released.until, times: 1 });
    let jobEnded!: () => void;
    const jobEnd = new Promise<void>((resolve) => (jobEnded = resolve));
    const { id: observerId } = await observe(() => undefined, () => jobEnded());
    const arrived = emulator.arrived(emulator.requests.length + 1);
    const answer = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'answered unheard' }] });
    await arrived;
    const cut = await cutApiSubscriber(observerId);
    released.open();
    // The job's terminal event goes out while no API connection hears it.
    await jobEnd;
    await cut.letBack();
    const bound = new Promise<'still waiting'>((resolve) => setTimeout(resolve, 3000, 'still waiting').unref());
    const completion = await Promise.race([answer, bound]);
    expect(completion).not.toBe('still waiting');
    if (completion === 'still waiting') return;
    expect(completion.choices[0]?.message.content).toBe('echo: answered unheard');
  });

  it('streams cleanly again over the re-subscribed connection', async () => {
    const { client, bodies } = recordingClient(gateway.url, key);
    const stream = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'after the outage' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: after the outage');
    expect((await bodies[0]!).trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
});
