import type { Redis } from 'ioredis';
import type { Priority } from '../jobs/job-record.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { llmQueueName } from './queue-names.js';

/**
 * BullMQ priority ranges per class (lower runs first): every interactive job runs before any
 * default job, every default job before any batch job. BullMQ's largest priority is 2^21.
 */
const RANGES: Readonly<Record<Priority, { base: number; size: number }>> = {
  interactive: { base: 1, size: 999 },
  default: { base: 1_000, size: 999_000 },
  batch: { base: 1_000_000, size: 1_097_152 },
};

/** An idle team's set heals any drift (a job that left the queue unseen) after this long. */
const WAITING_TTL_SECONDS = 3600;

/**
 * KEYS[1] the team's set of waiting jobs in its class, ARGV[1] the job id, ARGV[2] the set's TTL in
 * seconds: counts the job in (once, however often it is added) and returns its position. One script
 * rather than MULTI: building an ioredis MULTI on a connection that carries BullMQ's scripts costs
 * ~60 µs of CPU, on every async submit.
 */
const ENTER_SCRIPT = `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return redis.call('SCARD', KEYS[1])
`;

type Scripted = Redis & { syFairEnter(key: string, jobId: string, ttlSeconds: string): Promise<number> };

/**
 * Per-team fairness within a priority class, by virtual time: a team's n-th job waiting in a class
 * on a deployment gets priority `base + n`. A team that queued 10,000 batch jobs holds priorities
 * base+1…base+10,000, and another team's first job lands at base+1, ahead of all but the first of
 * them: teams are served round-robin, however large one team's burst. Interactive (synchronous)
 * calls skip the count: they are bounded by client concurrency and stay one round trip faster.
 *
 * Contract: `<p>:fair:{llm-<deployment>}:<class>:<team>` is the set of that team's job ids waiting in
 * that class on that deployment (added on first enqueue, removed when a worker takes the job or it is
 * cancelled while waiting; expires when idle). A set rather than a counter: a replayed attempt (a
 * worker died and another took the job again) removes its id a second time without effect, where a
 * second DECR would move the team ahead of its turn for as long as it keeps jobs waiting.
 */
export class FairPriority {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    if (!('syFairEnter' in redis)) redis.defineCommand('syFairEnter', { numberOfKeys: 1, lua: ENTER_SCRIPT });
  }

  /** The BullMQ priority for a job entering the queue for the first time. */
  async enter(deployment: string, priority: Priority, team: string, jobId: string): Promise<number> {
    const range = RANGES[priority];
    if (priority === 'interactive') return range.base;
    const key = this.waitingKey(deployment, priority, team);
    const n = await (this.redis as Scripted).syFairEnter(key, jobId, String(WAITING_TTL_SECONDS));
    return range.base + Math.min(range.size - 1, Math.max(0, n - 1));
  }

  /** The priority of a retry or failover: the front of its class (it has waited its turn already). */
  reentry(priority: Priority): number {
    return RANGES[priority].base;
  }

  /** The team's job left the queue (a worker took it, or it was cancelled): it no longer counts as waiting. */
  async left(deployment: string, priority: Priority, team: string, jobId: string): Promise<void> {
    if (priority === 'interactive') return;
    await this.redis.srem(this.waitingKey(deployment, priority, team), jobId);
  }

  private waitingKey(deployment: string, priority: Priority, team: string): string {
    return `${this.keys.prefix}:fair:{${llmQueueName(deployment)}}:${priority}:${team}`;
  }
}
