import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { lineJobId } from '../batches/line-job.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import type { JobRecord } from './job-record.js';
import { JobStore } from './job-store.js';

function queuedRecord(id: string): JobRecord {
  return {
    v: 1,
    id,
    team: 'team-a',
    keyId: 'key_a',
    model: 'gpt-4o-mini',
    priority: 'batch',
    status: 'queued',
    createdAt: 1,
    startedAt: null,
    completedAt: null,
    request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    route: [{ deployment: 'local', model: 'mock-1' }],
    step: 0,
    seq: 1,
    attempts: [],
    result: null,
    error: null,
    metadata: {},
    webhook: null,
    mode: 'async',
    replyTo: '',
    streamed: false,
    deadlineAt: 0,
    cache: { store: false },
    admission: {},
  };
}

describe('JobStore end notifications', () => {
  const redis = testRedis();
  const keys = new RedisKeys(testPrefix('job-store'));
  const store = new JobStore(redis, keys, 60);
  let subscriber: Redis;
  const heard: Record<string, string[]> = {};
  let markerHeard: () => void = () => undefined;

  beforeAll(async () => {
    subscriber = redis.duplicate();
    subscriber.on('message', (channel: string, message: string) => {
      const { id } = JSON.parse(message) as { id: string };
      (heard[channel] ??= []).push(id);
      if (id === 'marker') markerHeard();
    });
    await subscriber.subscribe(keys.jobEvents(), keys.batchLineEvents());
  });
  afterAll(async () => {
    await subscriber.quit();
    await deletePrefix(redis, keys.prefix);
    await redis.quit();
  });

  it("publishes every job's end for the API, and only batch lines' ends on the channel workers listen to", async () => {
    const line = lineJobId('batch_0123456789abcdef01234567', 3);
    const cancelledLine = lineJobId('batch_0123456789abcdef01234567', 4);
    const plain = 'job_0123456789abcdef0123456789abcdef';
    for (const id of [line, cancelledLine, plain]) await store.create(queuedRecord(id));

    await store.finish(queuedRecord(line), { status: 'succeeded', attempts: [] });
    await store.finish(queuedRecord(plain), { status: 'failed', attempts: [] });
    await store.cancel(cancelledLine, { code: 'cancelled', message: 'The batch was cancelled.' });
    // A marker published after them on the same connection: once it arrives, they all have.
    const marker = new Promise<void>((resolve) => (markerHeard = resolve));
    await redis.publish(keys.batchLineEvents(), JSON.stringify({ id: 'marker' }));
    await marker;

    expect(heard[keys.jobEvents()]).toEqual([line, plain, cancelledLine]);
    expect(heard[keys.batchLineEvents()]).toEqual([line, cancelledLine, 'marker']);
  });
});
