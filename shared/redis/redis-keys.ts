/**
 * Every Redis key Switchyard writes, built in one place. Keys that a single Lua script touches
 * together share a hash tag, so the scripts also run on Redis Cluster.
 *
 * Contract (values documented where they are written):
 * - `<p>:job:{<id>}`                hash: the job record (see shared/jobs/job-record.ts)
 * - `<p>:idem:{<keyId>}:<key>`      string: the claim of an Idempotency-Key, `<jobId>|<sha256 of the body>|<claimed ms>`, with TTL (api/idempotency-claims.ts)
 * - `<p>:{keys}:vkey:<sha256>`      string: key id for a virtual key's hash (a rotated-out
 *                                   key's mapping carries a TTL: its grace period)
 * - `<p>:{keys}:key:<id>`           hash: a virtual key's record (no plaintext key; see key-store.ts)
 * - `<p>:{keys}:index`              set: all key ids
 *   (one `{keys}` hash tag: the key store's MULTI transactions touch all three, one cluster slot)
 * - `<p>:events:jobs`               pub/sub channel: job terminal notifications (every job)
 * - `<p>:events:batch-lines`        pub/sub channel: the same notifications for batch line jobs only
 *                                   (what worker processes listen to: not every job's result)
 * - `<p>:events:keys`               pub/sub channel: key revocations (cache invalidation)
 * - `<p>:events:cancel`             pub/sub channel: cancel requests for running jobs
 * - `<p>:events:stream:<instance>`  pub/sub channel of one API process: stream chunks for the
 *                                   clients it holds, each message `<job id>\n<chunk JSON>`
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  job(id: string): string {
    return `${this.prefix}:job:{${id}}`;
  }

  idempotency(keyId: string, idempotencyKey: string): string {
    return `${this.prefix}:idem:{${keyId}}:${idempotencyKey}`;
  }

  virtualKeyHash(sha256: string): string {
    return `${this.prefix}:{keys}:vkey:${sha256}`;
  }

  keyRecord(id: string): string {
    return `${this.prefix}:{keys}:key:${id}`;
  }

  keyIndex(): string {
    return `${this.prefix}:{keys}:index`;
  }

  jobEvents(): string {
    return `${this.prefix}:events:jobs`;
  }

  batchLineEvents(): string {
    return `${this.prefix}:events:batch-lines`;
  }

  keyEvents(): string {
    return `${this.prefix}:events:keys`;
  }

  cancelEvents(): string {
    return `${this.prefix}:events:cancel`;
  }

  /** Vendor pauses announced to every worker process (workers/dispatch/pause-notices.ts). */
  pauseEvents(): string {
    return `${this.prefix}:events:pause`;
  }

  streamChannel(instanceId: string): string {
    return `${this.prefix}:events:stream:${instanceId}`;
  }

  /** BullMQ's prefix for one queue: a hash tag per queue puts each queue in its own cluster slot. */
  bullPrefix(queueName: string): string {
    return `${this.prefix}:bull:{${queueName}}`;
  }
}
