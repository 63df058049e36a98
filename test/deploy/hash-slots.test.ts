import { Queue, Worker } from 'bullmq';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedVectorStore } from '../../shared/cache/embedded-vector-store.js';
import { DELETE, EXPIRE, PURGE, UPSERT } from '../../shared/cache/embedded-vector-scripts.js';
import { CircuitBreakers } from '../../shared/circuit/circuit-breaker.js';
import { KeyStore } from '../../shared/keys/key-store.js';
import { migrateLegacyKeys } from '../../shared/keys/legacy-key-migration.js';
import { LlmQueues } from '../../shared/queues/llm-queues.js';
import { llmQueueName, WEBHOOK_QUEUE } from '../../shared/queues/queue-names.js';
import { WebhookQueue } from '../../shared/queues/webhook-queue.js';
import { RESERVE_SCRIPT, SETTLE_SCRIPT } from '../../shared/rate-limit/bucket-scripts.js';
import { deploymentScope, keyScope, teamScope, TokenBuckets } from '../../shared/rate-limit/index.js';
import { EXPIRED_SCRIPT } from '../../shared/rate-limit/reaper-scripts.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { BUDGET_RESERVE_SCRIPT, BUDGET_SETTLE_SCRIPT } from '../../shared/usage/budget-scripts.js';
import { Budgets } from '../../shared/usage/budgets.js';
import { UsageLedger } from '../../shared/usage/usage-ledger.js';
import { RECORD_SCRIPT as USAGE_RECORD_SCRIPT } from '../../shared/usage/usage-scripts.js';
import { ChunkPublisher } from '../../workers/dispatch/chunk-publisher.js';
import { deletePrefix, scanKeys, testPrefix, testRedis } from '../helpers/test-redis.js';
import { crc16, distinctSlots, hashTag, keySlot } from './cluster-slot.js';
import { atomicUnits, pipelineUnits, recordCommands, type SentBatch } from './recording-redis.js';

/**
 * Redis Cluster readiness. A cluster refuses (CROSSSLOT) a script or MULTI transaction whose keys
 * span hash slots, and BullMQ needs each queue's keys in one slot. The key lists checked here are
 * the ones the real components send — run against Redis through a client that records every
 * command with the keys ioredis's Cluster client would route it by — not copies of key formats.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const sha1 = (source: string): string => createHash('sha1').update(source).digest('hex');

/** Multi-key scripts the codebase exports; each must show up in the scenario below. */
const EXPORTED_MULTI_KEY_SCRIPTS: Record<string, string> = {
  RESERVE: sha1(RESERVE_SCRIPT),
  SETTLE: sha1(SETTLE_SCRIPT),
  EXPIRED: sha1(EXPIRED_SCRIPT),
  UPSERT: UPSERT.sha,
  DELETE: DELETE.sha,
  PURGE: PURGE.sha,
  EXPIRE: EXPIRE.sha,
  USAGE_RECORD: sha1(USAGE_RECORD_SCRIPT),
  BUDGET_RESERVE: sha1(BUDGET_RESERVE_SCRIPT),
  BUDGET_SETTLE: sha1(BUDGET_SETTLE_SCRIPT),
};
/**
 * Source files holding Lua. A new one fails the guard below until a scenario exercises its scripts:
 * this file's, or hash-slots-batches.test.ts's for the Batch and Files API (which lands separately,
 * so its files are only expected once they exist).
 */
const LUA_FILES = [
  // One key per script: a single slot by construction.
  'api/idempotency-claims.ts',
  'shared/batches/batch-scripts.ts',
  'shared/cache/embedded-vector-scripts.ts',
  'shared/circuit/circuit-scripts.ts',
  'shared/files/file-store.ts',
  'shared/jobs/job-scripts.ts',
  'shared/queues/fair-priority.ts',
  'shared/rate-limit/bucket-scripts.ts',
  'shared/rate-limit/reaper-scripts.ts',
  'shared/usage/budget-scripts.ts',
  'shared/usage/usage-scripts.ts',
];


describe('cluster slot computation', () => {
  it('matches the Cluster specification and the slots a real Redis reports', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
    // CLUSTER KEYSLOT answers of Redis 7.0.
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('123456789')).toBe(12739);
    expect(keySlot('foo{hash_tag}')).toBe(2515);
    expect(keySlot('bar{hash_tag}')).toBe(2515);
  });

  it.each([
    ['{user1000}.following', 'user1000'],
    ['foo{}{bar}', null],
    ['foo{{bar}}zap', '{bar'],
    ['foo{bar}{zap}', 'bar'],
    ['no-tag', null],
    ['{unclosed', null],
  ])('takes the hash tag of %s as the specification does', (key, tag) => {
    expect(hashTag(key)).toBe(tag);
  });
});

describe('scripts and transactions keep their keys in one slot', () => {
  const prefix = testPrefix('slots');
  const keys = new RedisKeys(prefix);
  const redis = testRedis();
  const batches = recordCommands(redis);
  /** What each operation of the scenario sent. */
  const ops = new Map<string, SentBatch[]>();
  const op = async (name: string, run: () => Promise<unknown>): Promise<void> => {
    const start = batches.length;
    await run();
    ops.set(name, batches.slice(start));
  };

  beforeAll(async () => {
    let now = 1_000_000;
    const buckets = new TokenBuckets(redis, prefix, { clock: () => now, holdMs: 1_000, retentionMs: 60_000 });
    // The two scope shapes in use: a deployment (worker pacing) and a key with its team (API admission).
    const deployment = [{ scope: deploymentScope('openai-main'), rpm: 100, tpm: 10_000 }];
    const keyAndTeam = [
      { scope: keyScope('team-a', 'key_1'), rpm: 10, tpm: 1_000 },
      { scope: teamScope('team-a'), rpm: 50, tpm: 5_000 },
    ];
    await op('rate limit: reserve, peek, settle, release, block', async () => {
      const a = await buckets.reserve(deployment, { requests: 1, tokens: 100 });
      const b = await buckets.reserve(keyAndTeam, { requests: 1, tokens: 100 });
      await buckets.peek(keyAndTeam, { requests: 1, tokens: 100 });
      if (!a.ok || !b.ok) throw new Error('the scenario expects these reservations to pass');
      await buckets.settle(a.reservation, 80);
      await buckets.release(b.reservation);
      await buckets.block(deploymentScope('openai-main'), 1_000);
    });
    await op('rate limit: reaper', async () => {
      const orphan = await buckets.reserve(keyAndTeam, { requests: 1, tokens: 100 });
      if (!orphan.ok) throw new Error('the scenario expects the reservation to pass');
      now += 5_000; // its holder "died": past the deadline, the reaper gives it back
      expect(await buckets.reapExpired()).toBe(1);
      now += 120_000; // idle past retention: the reaper forgets the empty groups
      await buckets.reapExpired();
    });

    let vectorNow = 1_000_000;
    const vectors = new EmbeddedVectorStore({ redis, keyPrefix: prefix, collection: 'slots-4', dimensions: 4, now: () => vectorNow });
    const entry = (n: number, tenant: string, ttlMs: number) => ({
      id: `00000000-0000-4000-8000-00000000000${n}`,
      scope: 's',
      tenant,
      vector: new Float32Array([1, 0, 0, 0]),
      payload: { n },
      expiresAtMs: vectorNow + ttlMs,
    });
    await op('semantic cache: embedded vector store', async () => {
      await vectors.upsert([entry(1, 'team:a', 60_000), entry(2, 'team:b', 60_000), entry(3, 'team:a', 10)]);
      await vectors.search('s', new Float32Array([1, 0, 0, 0]), 2, 0.5);
      await vectors.delete([entry(1, 'team:a', 0).id]);
      await vectors.purge('team:b');
      vectorNow += 1_000;
      await vectors.expire();
    });

    await op('usage ledger', async () => {
      const event = { eventId: 'job_1:1', team: 'team-a', keyId: 'key_1', model: 'gpt-4o', deployment: 'openai-main', vendorModel: 'gpt-4o', at: 0 };
      await new UsageLedger(redis, prefix).record({ ...event, promptTokens: 1, completionTokens: 1, cachedTokens: 0, reasoningTokens: 0, costMicros: 1, cacheHit: false, savedMicros: 0 });
    });
    await op('budgets: a key and its team', async () => {
      const budgets = new Budgets(redis, prefix);
      const admission = await budgets.reserve(
        [
          { team: 'team-a', scope: 'key:key_1', limitUsd: 10, period: 'monthly' },
          { team: 'team-a', scope: 'team', limitUsd: 100, period: 'daily' },
        ],
        1_000,
      );
      if (!admission.ok) throw new Error('the scenario expects the budget reservation to pass');
      await budgets.settle(admission.hold, 800);
    });
    await op('circuit breaker', async () => {
      const circuits = new CircuitBreakers(redis, prefix);
      const policy = { failureRate: 0.5, minRequests: 1, windowMs: 1_000, cooldownMs: 1_000 };
      await circuits.acquire('openai-main', policy);
      await circuits.record('openai-main', policy, false, false);
    });
    await op('stream chunk publisher', async () => {
      type Publish = Parameters<ChunkPublisher['publish']>;
      const record = { id: 'job_1', replyTo: keys.streamChannel('api-1') } as Publish[0];
      const chunk = { id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [] } as unknown as Publish[1];
      await new ChunkPublisher(redis, keys).publish(record, chunk, true);
    });
    await op('BullMQ: add with fair priority, then a worker runs it', async () => {
      const queues = new LlmQueues(redis, keys);
      await queues.add('openai-main', { v: 1, jobId: 'job_1', seq: 1, team: 'team-a', model: 'gpt-4o', priority: 'default', deadlineAt: 0, tokens: 10 });
      const name = llmQueueName('openai-main');
      const worker = new Worker(name, async () => 'done', { connection: redis, prefix: keys.bullPrefix(name) });
      await new Promise<void>((resolve) => worker.once('completed', () => resolve()));
      await worker.close();
      await queues.close();
    });
  });

  afterAll(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('ran every exported multi-key script, each with more than one key', () => {
    const ran = new Map<string, number>();
    for (const c of batches.flatMap((b) => b.commands)) {
      if (c.name === 'evalsha') ran.set(String(c.args[0]), Math.max(ran.get(String(c.args[0])) ?? 0, c.keys.length));
      if (c.name === 'eval') ran.set(sha1(String(c.args[0])), Math.max(ran.get(sha1(String(c.args[0]))) ?? 0, c.keys.length));
    }
    for (const [name, sha] of Object.entries(EXPORTED_MULTI_KEY_SCRIPTS)) expect(ran.get(sha), name).toBeGreaterThan(1);
  });

  it('reserves a key and its team (four buckets, two pauses, the reservation records) in one slot', () => {
    const reserves = atomicUnits(ops.get('rate limit: reserve, peek, settle, release, block')!).filter((u) => u.keys.length === 8);
    expect(reserves.length).toBeGreaterThan(0);
    for (const { keys: eight } of reserves) {
      expect(eight.some((k) => k.endsWith(':b:key:key_1:rpm')) && eight.some((k) => k.endsWith(':b:team:team-a:tpm'))).toBe(true);
      expect(distinctSlots(eight)).toHaveLength(1);
    }
  });

  it.each([
    'rate limit: reserve, peek, settle, release, block',
    'rate limit: reaper',
    'semantic cache: embedded vector store',
    'usage ledger',
    'budgets: a key and its team',
    'circuit breaker',
    'stream chunk publisher',
    'BullMQ: add with fair priority, then a worker runs it',
  ])('%s: every script and MULTI declares keys of one slot', (name) => {
    const units = atomicUnits(ops.get(name)!);
    expect(units.length).toBeGreaterThan(0);
    for (const unit of units) expect(distinctSlots(unit.keys), `${unit.label}: ${unit.keys.join(' ')}`).toHaveLength(1);
  });

  it('builds the keys the vector scripts reach through ARGV prefixes in the slot of their declared keys', () => {
    // DELETE, PURGE and EXPIRE reach entry hashes and tenant sets as ARGV[2] .. id and ARGV[3] .. tenant.
    const calls = ops
      .get('semantic cache: embedded vector store')!
      .flatMap((b) => b.commands)
      .filter((c) => c.name === 'evalsha' && [DELETE.sha, PURGE.sha, EXPIRE.sha].includes(String(c.args[0])));
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) {
      const argv = call.args.slice(2 + call.keys.length).map(String);
      expect(distinctSlots([...call.keys, `${argv[1]}some-id`, `${argv[2]}some-tenant-hash`])).toHaveLength(1);
    }
  });

  // The key store's keys share the `{keys}` hash tag (shared/redis/redis-keys.ts); every
  // transaction of its operations — create, rotate, rotate the webhook secret, update, revoke,
  // the legacy-name migration —
  // must stay in that one slot (a cluster refuses anything else with CROSSSLOT).
  it('virtual-key store: create, rotate, update and revoke transactions declare keys of one slot', async () => {
    const store = new KeyStore(redis, keys);
    const start = batches.length;
    const { record } = await store.create({ team: 'team-a' });
    await store.rotate(record.id, 60);
    await store.rotate(record.id, 60); // drops the first rotated-out secret's mapping too
    await store.rotateWebhookSecret(record.id, 60);
    await store.update(record.id, { enabled: false, name: 'renamed' });
    await store.revoke(record.id);
    // A key under its pre-tag names (a dev Redis from before), moved by the start-up migration.
    await redis.hset(`${prefix}:key:key_legacy`, { team: 'team-a', key_hash: 'ab'.repeat(32), created_at: '1', revoked_at: '' });
    await redis.sadd(`${prefix}:keys`, 'key_legacy');
    expect(await migrateLegacyKeys(redis, keys)).toBe(1);
    const units = atomicUnits(batches.slice(start));
    expect(units).toHaveLength(7);
    expect(units.filter((u) => u.keys.length >= 3).length).toBeGreaterThanOrEqual(3);
    for (const unit of units) expect(distinctSlots(unit.keys), `${unit.label}: ${unit.keys.join(' ')}`).toHaveLength(1);
  });

  it('keeps the keys of every pipeline the scenario sends in one slot, as a cluster client requires', () => {
    const units = [...ops.values()].flatMap(pipelineUnits);
    // The embedded vector store reads entries with the collection's seq in one pipeline.
    expect(units.length).toBeGreaterThan(0);
    for (const unit of units) expect(distinctSlots(unit.keys), `${unit.label}: ${unit.keys.join(' ')}`).toHaveLength(1);
  });

  it('sends pipelines that may span slots only through pipelinePerKey', () => {
    // Files that build pipelines themselves, each because its keys share one tag (checked above or
    // by construction); everything else reading many keys goes through pipelinePerKey, which sends
    // one pipeline on a single node and one per key on a cluster.
    const ONE_SLOT_PIPELINES = ['shared/cache/embedded-vector-store.ts', 'shared/redis/pipeline-per-key.ts', 'shared/redis/publish-in-slot.ts'];
    const found = sourceFiles(['api', 'workers', 'shared', 'bin'])
      .filter((file) => !file.endsWith('.test.ts') && /\.pipeline\(\)/.test(readFileSync(join(ROOT, file), 'utf8')))
      .sort();
    expect(found).toEqual(ONE_SLOT_PIPELINES);
  });

  it('uses single-key Lua for job records and circuit breakers', () => {
    for (const file of ['shared/jobs/job-scripts.ts', 'shared/circuit/circuit-scripts.ts']) {
      const indexes = [...readFileSync(join(ROOT, file), 'utf8').matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
      expect(new Set(indexes), file).toEqual(new Set([1]));
    }
    for (const file of ['shared/jobs/job-store.ts', 'shared/circuit/circuit-breaker.ts']) {
      const counts = [...readFileSync(join(ROOT, file), 'utf8').matchAll(/numberOfKeys:\s*(\d+)/g)].map((m) => Number(m[1]));
      expect(counts.length, file).toBeGreaterThan(0);
      expect(new Set(counts), file).toEqual(new Set([1]));
    }
  });

  it('knows every source file that holds Lua', () => {
    const found = sourceFiles(['api', 'workers', 'shared', 'bin'])
      .filter((file) => !file.endsWith('.test.ts') && /KEYS\[|#KEYS/.test(readFileSync(join(ROOT, file), 'utf8')))
      .sort();
    expect(found).toEqual(LUA_FILES.filter((file) => existsSync(join(ROOT, file))));
  });
});

describe('BullMQ queues on a cluster', () => {
  const prefix = testPrefix('bullslots');
  const keys = new RedisKeys(prefix);
  const redis = testRedis();

  afterAll(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('gives each queue its own hash tag, the queue name, in every key BullMQ writes', async () => {
    const deployments = ['openai-main', 'anthropic-eu', 'local'];
    const queues = new LlmQueues(redis, keys);
    const webhooks = new WebhookQueue(redis, keys, { attempts: 2, backoffMs: 10 });
    await Promise.all(deployments.map((d) => queues.add(d, { v: 1, jobId: `job_${d}`, seq: 1, team: 't', model: 'm', priority: 'batch', deadlineAt: 0, tokens: 1 })));
    await queues.add('local', { v: 1, jobId: 'job_delayed', seq: 2, team: 't', model: 'm', priority: 'interactive', deadlineAt: 0, tokens: 1 }, 60_000);
    await webhooks.enqueue({ v: 1, jobId: 'job_local', type: 'job.succeeded', keyId: 'key_1' });
    // A worker run writes the rest (active, locks, completed, events, metrics).
    const name = llmQueueName('local');
    const worker = new Worker(name, async () => 'done', { connection: redis.duplicate(), prefix: keys.bullPrefix(name) });
    await new Promise<void>((resolve) => worker.once('completed', () => resolve()));
    await worker.close();
    const counts = await new Queue(name, { connection: redis, prefix: keys.bullPrefix(name) }).getJobCounts('completed', 'delayed');
    await Promise.all([queues.close(), webhooks.close()]);
    expect(counts).toEqual({ completed: 1, delayed: 1 });

    const written = await scanKeys(redis, `${prefix}:bull:*`);
    const queueNames = [...deployments.map(llmQueueName), WEBHOOK_QUEUE];
    expect(new Set(written.map(hashTag))).toEqual(new Set(queueNames));
    for (const queue of queueNames) {
      expect(keys.bullPrefix(queue)).toBe(`${prefix}:bull:{${queue}}`);
      const own = written.filter((k) => k.startsWith(`${keys.bullPrefix(queue)}:`));
      expect(own.length, queue).toBeGreaterThan(2);
      expect(distinctSlots(own), queue).toEqual([keySlot(`{${queue}}`)]);
    }
    // Distinct tags let a cluster spread deployments over nodes (these four land on different slots).
    expect(new Set(queueNames.map((q) => keySlot(`{${q}}`))).size).toBe(queueNames.length);
    // The per-team fairness counters sit in their queue's slot.
    const fair = await scanKeys(redis, `${prefix}:fair:*`);
    expect(fair.length).toBeGreaterThan(0);
    for (const key of fair) expect(hashTag(key)).toMatch(/^llm-/);
  });
});

function sourceFiles(dirs: string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => relative(ROOT, join(e.parentPath, e.name))),
  );
}
