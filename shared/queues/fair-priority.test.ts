import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { RedisKeys } from '../redis/redis-keys.js';
import { FairPriority } from './fair-priority.js';

const redis = testRedis();
const prefix = testPrefix('fair');
const fair = new FairPriority(redis, new RedisKeys(prefix));

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

describe('FairPriority', () => {
  it('interleaves a late team with a team that queued a burst', async () => {
    const burst: number[] = [];
    for (let i = 0; i < 1000; i++) burst.push(await fair.enter('dep', 'batch', 'team-a', `a${i}`));
    const late = await fair.enter('dep', 'batch', 'team-b', 'b0');
    expect(burst[0]).toBe(1_000_000);
    expect(burst[999]).toBe(1_000_999);
    // Team B's first job runs after team A's first, before the other 999.
    expect(late).toBe(1_000_000);
    expect(burst.filter((p) => p <= late)).toHaveLength(1);
  });

  it('keeps classes apart: any interactive job before any default job before any batch job', async () => {
    let maxDefault = 0;
    for (let i = 0; i < 2000; i++) maxDefault = Math.max(maxDefault, await fair.enter('dep2', 'default', 'team-a', `a${i}`));
    expect(await fair.enter('dep2', 'interactive', 'team-a', 'i0')).toBeLessThan(1_000);
    expect(maxDefault).toBeLessThan(1_000_000);
    expect(fair.reentry('batch')).toBe(1_000_000);
  });

  it('moves a team forward as its jobs are taken', async () => {
    await fair.enter('dep3', 'default', 'team-c', 'c0');
    await fair.enter('dep3', 'default', 'team-c', 'c1');
    await fair.left('dep3', 'default', 'team-c', 'c0');
    await fair.left('dep3', 'default', 'team-c', 'c1');
    expect(await fair.enter('dep3', 'default', 'team-c', 'c2')).toBe(1_000);
  });

  it('counts a job once however often it enters or leaves (a replayed attempt cannot jump the line)', async () => {
    for (let i = 0; i < 5; i++) await fair.enter('dep4', 'batch', 'team-d', `d${i}`);
    // Adding the same job again (BullMQ keeps one job per id) does not move it back.
    expect(await fair.enter('dep4', 'batch', 'team-d', 'd4')).toBe(1_000_004);
    // d0 is taken, then taken again by a replay: only one place is given up.
    await fair.left('dep4', 'batch', 'team-d', 'd0');
    await fair.left('dep4', 'batch', 'team-d', 'd0');
    expect(await fair.enter('dep4', 'batch', 'team-d', 'd5')).toBe(1_000_004);
  });
});
