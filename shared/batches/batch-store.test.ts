import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../../test/helpers/test-redis.js';
import { newBatchHash } from './batch-record.js';
import { BatchStore } from './batch-store.js';

const redis = testRedis();
const prefix = testPrefix('bstore');
const store = new BatchStore(redis, prefix);
const usage = { input: 3, output: 2, cached: 1, reasoning: 0 };

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

async function newBatch(total = 0): Promise<string> {
  const id = BatchStore.newId();
  await store.create(
    newBatchHash({ id, team: 't', keyId: 'k', endpoint: '/v1/chat/completions', inputFileId: 'file-x', completionWindow: '24h', windowSeconds: 86_400, createdAt: 1, metadata: null, webhook: null, outputFileId: 'file-o', errorFileId: 'file-e' }),
  );
  if (total) await store.setFields(id, { total: String(total) });
  return id;
}

describe('BatchStore', () => {
  it('collects a line exactly once, however many callers race for it', async () => {
    const id = await newBatch(2);
    await store.addPending(id, [1, 2]);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.collect(id, 1, 'out', '{"line":1}', usage)));
    expect(outcomes.filter((o) => o.collected)).toHaveLength(1);
    expect(outcomes.find((o) => o.collected)).toEqual({ collected: true, pending: 1, buffered: 11, finished: 1, total: 2 });
    const last = await store.collect(id, 2, 'err', '{"line":2}', usage);
    expect(last).toMatchObject({ collected: true, pending: 0, finished: 2 });
    const batch = (await store.get(id))!;
    expect([batch.completed, batch.failed, batch.usage.input, batch.usage.cached]).toEqual([1, 1, 6, 2]);
    expect(await store.bufferedLines(id, 'out', 0, 10)).toEqual(['{"line":1}']);
  });

  it('moves status only from an allowed one and stamps the time once', async () => {
    const id = await newBatch();
    expect(await store.transition(id, ['in_progress'], 'completed', 'completed_at')).toEqual({ moved: false, previous: 'validating' });
    expect(await store.transition(id, ['validating', 'in_progress'], 'cancelling', 'cancelling_at', { end_reason: 'cancelled' })).toEqual({ moved: true, previous: 'validating' });
    const first = (await store.get(id))!;
    expect(first.endReason).toBe('cancelled');
    expect(first.times.cancelling_at).toBeGreaterThan(0);
    expect((await store.transition(id, ['cancelling'], 'cancelled', 'cancelled_at')).moved).toBe(true);
    expect((await store.get(id))!.status).toBe('cancelled');
  });

  it('skips unsubmitted lines only from the expected cursor, dropping them from the pending set', async () => {
    const id = await newBatch(3);
    await store.addPending(id, [2]);
    expect(await store.skipLines(id, 5, { line: 9, byte: 90 }, [{ line: 2, text: 'x' }])).toBe(false);
    expect(await store.skipLines(id, 1, { line: 4, byte: 40 }, [{ line: 2, text: 'e2' }, { line: 3, text: 'e3' }])).toBe(true);
    const batch = (await store.get(id))!;
    expect([batch.cursorLine, batch.cursorByte, batch.failed, batch.submitted, batch.err.bufferedBytes]).toEqual([4, 40, 2, 2, 6]);
    expect(await store.pendingCount(id)).toBe(0);
  });

  it('commits a segment once and trims exactly the lines it wrote', async () => {
    const id = await newBatch(3);
    await store.addPending(id, [1, 2, 3]);
    for (const line of [1, 2, 3]) await store.collect(id, line, 'out', `l${line}`, usage);
    expect(await store.commitSegment(id, 'out', 0, 2, 6)).toBe(true);
    expect(await store.commitSegment(id, 'out', 0, 2, 6)).toBe(false);
    expect(await store.bufferedLines(id, 'out', 0, 10)).toEqual(['l3']);
    const batch = (await store.get(id))!;
    expect(batch.out).toEqual({ parts: 1, bytes: 6, bufferedBytes: 3 });
  });
});
