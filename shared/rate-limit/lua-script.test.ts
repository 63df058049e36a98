import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '../../test/helpers/test-redis.js';
import { LuaScript } from './lua-script.js';

let redis: Redis;
beforeAll(() => {
  redis = testRedis();
});
afterAll(() => {
  redis.disconnect();
});

describe('LuaScript', () => {
  it('loads a script the server has never seen, then runs it by SHA', async () => {
    // A unique comment makes a script no other test can have cached (SCRIPT FLUSH would disturb them).
    const script = new LuaScript(`-- ${randomUUID()}\nreturn {KEYS[1], ARGV[1]}`);
    expect(await redis.script('EXISTS', script.sha)).toEqual([0]);
    expect(await script.run(redis, ['k'], ['v'])).toEqual(['k', 'v']);
    expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
    expect(await script.run(redis, ['k2'], [2])).toEqual(['k2', '2']);
  });

  it('passes script errors through', async () => {
    const script = new LuaScript(`-- ${randomUUID()}\nreturn redis.error_reply('boom')`);
    await expect(script.run(redis, [], [])).rejects.toThrow('boom');
  });
});
