import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COLLECT_SCRIPT, COMMIT_SEGMENT_SCRIPT, SKIP_LINES_SCRIPT } from '../../shared/batches/batch-scripts.js';
import { BatchStore } from '../../shared/batches/batch-store.js';
import { FileStore } from '../../shared/files/file-store.js';
import { LocalDiskStorage } from '../../shared/files/local-disk-storage.js';
import { deletePrefix, testPrefix, testRedis } from '../helpers/test-redis.js';
import { distinctSlots } from './cluster-slot.js';
import { atomicUnits, recordCommands } from './recording-redis.js';

/**
 * Redis Cluster readiness of the Batch and Files API (see hash-slots.test.ts for the rest): every
 * script their stores run declares keys of one slot. Kept apart so it lands with that API.
 */

const sha1 = (source: string): string => createHash('sha1').update(source).digest('hex');

describe('batch and file scripts keep their keys in one slot', () => {
  const prefix = testPrefix('slotsb');
  const redis = testRedis();
  const batches = recordCommands(redis);

  afterAll(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('runs the batch store scripts (collect, skip lines, commit segment) on one slot each', async () => {
    const store = new BatchStore(redis, prefix);
    const start = batches.length;
    await store.collect('batch_1', 1, 'out', '{"ok":true}', { input: 1, output: 1, cached: 0, reasoning: 0 });
    await store.skipLines('batch_1', 0, { line: 2, byte: 20 }, [{ line: 1, text: '{"error":{}}' }]);
    await store.commitSegment('batch_1', 'err', 0, 1, 12);
    const sent = batches.slice(start).flatMap((b) => b.commands);
    const shas = new Set(sent.filter((c) => c.name === 'evalsha').map((c) => String(c.args[0])));
    for (const script of [COLLECT_SCRIPT, SKIP_LINES_SCRIPT, COMMIT_SEGMENT_SCRIPT]) expect(shas).toContain(sha1(script));
    const units = atomicUnits(batches.slice(start));
    expect(units.filter((u) => u.keys.length > 1).length).toBeGreaterThanOrEqual(3);
    for (const unit of units) expect(distinctSlots(unit.keys), `${unit.label}: ${unit.keys.join(' ')}`).toHaveLength(1);
  });

  it('runs the file store scripts (add a reference, delete unless referenced) on one slot each', async () => {
    const files = new FileStore(redis, prefix, new LocalDiskStorage(mkdtempSync(join(tmpdir(), 'sy-slots-'))));
    const start = batches.length;
    await files.addRef('file-1', 'team-a', 'batch_1');
    const record = { v: 1, id: 'file-1', team: 'team-a', filename: 'in.jsonl', purpose: 'batch', bytes: 0, parts: 0, createdAt: 0, expiresAt: null } as const;
    await files.delete(record, () => Promise.resolve(true));
    const units = atomicUnits(batches.slice(start));
    expect(units.filter((u) => u.keys.length === 2)).toHaveLength(2);
    for (const unit of units) expect(distinctSlots(unit.keys), `${unit.label}: ${unit.keys.join(' ')}`).toHaveLength(1);
  });
});
