import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import type { UsageEvent } from './usage-event.js';
import { dayRange, UsageLedger } from './usage-ledger.js';

const redis = testRedis();
const prefix = testPrefix('usage');
const ledger = new UsageLedger(redis, prefix);
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

const at = Date.parse('2026-11-20T10:00:00Z');
function event(overrides: Partial<UsageEvent>): UsageEvent {
  return { eventId: 'e', team: 't', keyId: 'k1', model: 'smart', deployment: 'd1', vendorModel: 'gpt-4o', promptTokens: 100, completionTokens: 50, cachedTokens: 0, reasoningTokens: 0, costMicros: 750, cacheHit: false, savedMicros: 0, at, ...overrides };
}

describe('UsageLedger', () => {
  it('records an event once, however often it is replayed', async () => {
    expect(await ledger.record(event({ eventId: 'once', team: 'replay' }))).toBe(true);
    expect(await ledger.record(event({ eventId: 'once', team: 'replay' }))).toBe(false);
    const [row] = await ledger.query({ team: 'replay', from: '2026-11-20', to: '2026-11-20', groupBy: 'team' });
    expect(row).toMatchObject({ team: 'replay', requests: 1, prompt_tokens: 100, completion_tokens: 50, cost_usd: 0.00075 });
  });

  it('groups by key, model, deployment and day, and filters', async () => {
    await ledger.record(event({ eventId: 'a', team: 'g', keyId: 'k1', model: 'smart', deployment: 'd1' }));
    await ledger.record(event({ eventId: 'b', team: 'g', keyId: 'k2', model: 'cheap', deployment: 'd2', at: at + 86_400_000 }));
    await ledger.record(event({ eventId: 'c', team: 'g', keyId: 'k2', model: 'cheap', deployment: 'cache', cacheHit: true, costMicros: 0, savedMicros: 2000, savedTokens: 150, promptTokens: 0, completionTokens: 0 }));
    const range = { team: 'g', from: '2026-11-20', to: '2026-11-21' };
    expect((await ledger.query({ ...range, groupBy: 'key' })).map((r) => [r.key, r.requests, r.cache_hits])).toEqual([
      ['k1', 1, 0],
      ['k2', 1, 1],
    ]);
    expect((await ledger.query({ ...range, groupBy: 'day' })).map((r) => [r.day, r.requests])).toEqual([
      ['2026-11-20', 1],
      ['2026-11-21', 1],
    ]);
    const cheap = await ledger.query({ ...range, model: 'cheap', groupBy: 'deployment' });
    expect(cheap.map((r) => [r.deployment, r.saved_usd, r.saved_tokens])).toEqual([
      ['d2', 0, 0],
      ['cache', 0.002, 150],
    ]);
  });

  it('exports the raw events in the order they were recorded (by recording time)', async () => {
    const events = [];
    for await (const e of ledger.events('g', Date.now() - 60_000, Date.now() + 1000)) events.push(e.eventId);
    expect(events).toEqual(['a', 'b', 'c']);
  });

  it('keeps names containing the field separator apart', async () => {
    await ledger.record(event({ eventId: 'p1', team: 'pipes', keyId: 'k|1', model: 'a|b', deployment: 'd%7C' }));
    await ledger.record(event({ eventId: 'p2', team: 'pipes', keyId: 'k', model: 'a', deployment: 'b|d' }));
    const range = { team: 'pipes', from: '2026-11-20', to: '2026-11-20' };
    expect((await ledger.query({ ...range, groupBy: 'model' })).map((r) => r.model).sort()).toEqual(['a', 'a|b']);
    expect((await ledger.query({ ...range, model: 'a|b', groupBy: 'deployment' })).map((r) => [r.deployment, r.requests])).toEqual([['d%7C', 1]]);
  });

  it('caps each team stream near the configured length', async () => {
    const small = new UsageLedger(redis, prefix, { streamMaxLength: 10 });
    for (let i = 0; i < 300; i++) await small.record(event({ eventId: `cap${i}`, team: 'capped' }));
    const length = await redis.xlen(`${prefix}:usage:{capped}:events`);
    expect(length).toBeLessThan(300);
    expect(length).toBeGreaterThanOrEqual(10);
    expect((await small.query({ team: 'capped', from: '2026-11-20', to: '2026-11-20', groupBy: 'team' }))[0]!.requests).toBe(300);
  });

  it('counts an inclusive range of UTC days', () => {
    expect(dayRange('2026-02-27', '2026-03-01')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });
});
