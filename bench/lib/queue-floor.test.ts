import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../test/helpers/test-redis.js';
import { startQueueFloor, type RunningQueueFloor } from './queue-floor.js';
import { completionBody } from './targets.js';
import { startUpstream, type Upstream } from './upstream.js';

describe('durable-queue floor', () => {
  let upstream: Upstream;
  let floor: RunningQueueFloor;
  beforeAll(async () => {
    upstream = await startUpstream({ log: true });
    floor = await startQueueFloor(upstream.url);
  }, 60_000);
  afterAll(async () => {
    await floor?.stop(); // a no-op after the last test's own stop, the cleanup when a test failed first
    await upstream?.stop();
  });

  it('relays each request through Redis to the upstream and answers with its completion', async () => {
    const answers = await Promise.all(
      ['first', 'second', 'third'].map(async (word) => {
        const res = await fetch(`${floor.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: completionBody({ messages: [{ role: 'user', content: word }] }) });
        return { status: res.status, body: (await res.json()) as { object: string } };
      }),
    );
    expect(answers.map((a) => [a.status, a.body.object])).toEqual([
      [200, 'chat.completion'],
      [200, 'chat.completion'],
      [200, 'chat.completion'],
    ]);
    const { entries } = await upstream.log();
    expect(entries.map((e) => e.tag).sort()).toEqual(['first', 'second', 'third']);
  });

  it('leaves no keys behind once stopped', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    expect(await redis.keys(`${floor.prefix}:*`)).not.toEqual([]);
    await floor.stop();
    expect(await redis.keys(`${floor.prefix}:*`)).toEqual([]);
    await redis.quit();
  });
});
