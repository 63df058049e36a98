import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GatewayError } from '../shared/errors/gateway-error.js';
import type { JobRecord } from '../shared/jobs/job-record.js';
import type { JobStore } from '../shared/jobs/job-store.js';
import type { RedisKeys } from '../shared/redis/redis-keys.js';

/**
 * How long a claim whose job record does not exist yet counts as in progress. The claimant writes
 * the record within a few Redis round trips of claiming (validation happens before the claim), so
 * a claim this old with no record means its process died: only then may another request take it.
 */
export const CLAIM_LEASE_MS = 30_000;

/** Times a request looks again when the claim it found was released or replaced meanwhile. */
const MAX_ROUNDS = 3;

/**
 * The value of `<p>:idem:{<keyId>}:<key>` (see RedisKeys.idempotency): `<job id>|<fingerprint>|<ms>`,
 * the job the key names, the SHA-256 of the submit body that claimed it, and when the claimant last
 * vouched for it (epoch ms). A value written before fingerprints existed is a bare job id.
 */
interface Claim {
  job: string;
  fingerprint: string | null;
  atMs: number;
}

const encode = (claim: Claim): string => `${claim.job}|${claim.fingerprint ?? ''}|${claim.atMs}`;

function decode(value: string): Claim {
  const [job = '', fingerprint = '', atMs = '0'] = value.split('|');
  return { job, fingerprint: fingerprint || null, atMs: Number(atMs) || 0 };
}

/**
 * TAKEOVER — replaces a claim whose claimant is gone, unless someone else replaced it first.
 * KEYS[1] claim. ARGV[1] job id of the stale claim, ARGV[2] new claim value, ARGV[3] TTL seconds.
 * Returns 1 when the claim is now ARGV[2], else 0.
 */
const TAKEOVER_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if cur and string.match(cur, '^[^|]*') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`;

/**
 * CONFIRM — the claimant, about to write its job record, checks the claim is still its own and
 * renews its lease. KEYS[1] claim. ARGV[1] claimant's job id, ARGV[2] renewed claim value.
 * Returns 1 when the claim is still the claimant's (now ARGV[2], TTL kept), else 0.
 */
const CONFIRM_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if not cur or string.match(cur, '^[^|]*') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`;

/**
 * RELEASE — a claimant that failed before writing its job gives the key back.
 * KEYS[1] claim. ARGV[1] claimant's job id. Returns 1 when deleted, 0 when it was not the claimant's.
 */
const RELEASE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if not cur or string.match(cur, '^[^|]*') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

type Scripted = Redis & {
  syIdemTakeover(key: string, staleJob: string, value: string, ttlSeconds: string): Promise<number>;
  syIdemConfirm(key: string, job: string, value: string): Promise<number>;
  syIdemRelease(key: string, job: string): Promise<number>;
};

/** What the claimant runs once it holds the key; `confirm` must be awaited right before the job is written. */
export type ClaimedCreate = (jobId: string, confirm: () => Promise<void>) => Promise<JobRecord>;

/**
 * Idempotency-Key claims: one job per (virtual key, Idempotency-Key) within the TTL, whatever the
 * concurrency. The first request claims the key for a fresh job id; a concurrent request in the same
 * process awaits that claimant and gets its outcome (the job, or the same error); one in another
 * process gets 409 `idempotency_key_in_use` (retry later) until the record exists, then the job. A claim is only taken over when its claimant failed
 * (released it) or died (no record after CLAIM_LEASE_MS), and a late claimant whose claim was taken
 * over fails its CONFIRM, so no two jobs — no two paid calls — come from one key.
 */
export class IdempotencyClaims {
  private readonly redis: Scripted;
  /** Claims this process holds and has not finished, by claim key. */
  private readonly inFlight = new Map<string, { job: string; done: Promise<{ record: JobRecord } | { error: unknown }> }>();

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly store: JobStore,
    private readonly ttlSeconds: number,
    private readonly newJobId: () => string,
  ) {
    this.redis = redis as Scripted;
    if (!('syIdemTakeover' in redis)) {
      redis.defineCommand('syIdemTakeover', { numberOfKeys: 1, lua: TAKEOVER_SCRIPT });
      redis.defineCommand('syIdemConfirm', { numberOfKeys: 1, lua: CONFIRM_SCRIPT });
      redis.defineCommand('syIdemRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    }
  }

  /**
   * The job for `idempotencyKey`: the one it already names (`replay: true`), or a new one made by
   * `create` under the claim. Throws 422 `idempotency_key_reused` when the key was claimed with a
   * different body, 409 `idempotency_key_in_use` while another process's claimant is still at work.
   */
  async run(keyId: string, idempotencyKey: string, fingerprint: string, create: ClaimedCreate): Promise<{ record: JobRecord; replay: boolean }> {
    const claimKey = this.keys.idempotency(keyId, idempotencyKey);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const mine: Claim = { job: this.newJobId(), fingerprint, atMs: Date.now() };
      const raw = (await this.redis.call('SET', claimKey, encode(mine), 'EX', String(this.ttlSeconds), 'NX', 'GET')) as string | null;
      if (raw === null) return { record: await this.holdClaim(claimKey, mine, create), replay: false };

      const existing = decode(raw);
      if (existing.fingerprint !== null && existing.fingerprint !== fingerprint) {
        throw new GatewayError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request body; use a new key for a new request.', {
          param: 'Idempotency-Key',
        });
      }
      const record = await this.store.get(existing.job);
      if (record) return { record, replay: true };

      const local = this.inFlight.get(claimKey);
      if (local?.job === existing.job) {
        // A duplicate of a request this process is still running: it gets that request's answer,
        // the job or the error (a 429 for one is a 429 for its duplicates).
        const settled = await local.done;
        if ('error' in settled) throw settled.error;
        return { record: settled.record, replay: true };
      }
      if (Date.now() - existing.atMs < CLAIM_LEASE_MS) {
        // Released, renewed or written since we looked (its claimant may have been ours): look again.
        if ((await this.redis.get(claimKey)) !== raw) continue;
        throw inUse();
      }
      // No record long after the claim: the claimant died (or the job expired). Take it over, once.
      if ((await this.redis.syIdemTakeover(claimKey, existing.job, encode(mine), String(this.ttlSeconds))) === 1) {
        return { record: await this.holdClaim(claimKey, mine, create), replay: false };
      }
    }
    throw inUse();
  }

  private async holdClaim(claimKey: string, mine: Claim, create: ClaimedCreate): Promise<JobRecord> {
    let settle!: (outcome: { record: JobRecord } | { error: unknown }) => void;
    const done = new Promise<{ record: JobRecord } | { error: unknown }>((resolve) => (settle = resolve));
    this.inFlight.set(claimKey, { job: mine.job, done });
    const confirm = async (): Promise<void> => {
      const renewed = encode({ ...mine, atMs: Date.now() });
      if ((await this.redis.syIdemConfirm(claimKey, mine.job, renewed)) !== 1) throw inUse();
    };
    try {
      const record = await create(mine.job, confirm);
      settle({ record });
      return record;
    } catch (err) {
      // Nothing was queued under this claim: give the key back so a retry can use it.
      await this.redis.syIdemRelease(claimKey, mine.job).catch(() => undefined);
      settle({ error: err });
      throw err;
    } finally {
      if (this.inFlight.get(claimKey)?.job === mine.job) this.inFlight.delete(claimKey);
    }
  }
}

/**
 * The fingerprint stored with a claim: SHA-256 of the body with object keys sorted, so the same
 * request re-serialized (other key order, other whitespace) still matches.
 */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function inUse(): GatewayError {
  return new GatewayError('idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry shortly to get its job.', {
    param: 'Idempotency-Key',
    retryAfterMs: 1000,
  });
}
