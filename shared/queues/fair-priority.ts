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

/** An idle team's counter heals any drift (a job removed without being taken) after this long. */
const COUNTER_TTL_SECONDS = 3600;

/**
 * KEYS[1] the team's counter in its class, ARGV[1] its TTL in seconds: counts the team's job in and
 * returns its position. One script rather than MULTI: building an ioredis MULTI on a connection that
 * carries BullMQ's scripts costs ~60 µs of CPU, on every async submit.
 */
const ENTER_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return n
`;

type Scripted = Redis & { syFairEnter(key: string, ttlSeconds: string): Promise<number> };

/**
 * Per-team fairness within a priority class, by virtual time: a team's n-th job waiting in a class
 * on a deployment gets priority `base + n`. A team that queued 10,000 batch jobs holds priorities
 * base+1…base+10,000, and another team's first job lands at base+1, ahead of all but the first of
 * them: teams are served round-robin, however large one team's burst. Interactive (synchronous)
 * calls skip the counter: they are bounded by client concurrency and stay one round trip faster.
 *
 * Contract: `<p>:fair:{llm-<deployment>}:<class>:<team>` counts that team's jobs waiting in that
 * class on that deployment (INCR on first enqueue, DECR when a worker takes one; expires when idle).
 */
export class FairPriority {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    if (!('syFairEnter' in redis)) redis.defineCommand('syFairEnter', { numberOfKeys: 1, lua: ENTER_SCRIPT });
  }

  /** The BullMQ priority for a job entering the queue for the first time. */
  async enter(deployment: string, priority: Priority, team: string): Promise<number> {
    const range = RANGES[priority];
    if (priority === 'interactive') return range.base;
    const key = this.counterKey(deployment, priority, team);
    const n = await (this.redis as Scripted).syFairEnter(key, String(COUNTER_TTL_SECONDS));
    return range.base + Math.min(range.size - 1, Math.max(0, n - 1));
  }

  /** The priority of a retry or failover: the front of its class (it has waited its turn already). */
  reentry(priority: Priority): number {
    return RANGES[priority].base;
  }

  /** A worker took the team's job: it no longer counts as waiting. */
  async taken(deployment: string, priority: Priority, team: string): Promise<void> {
    if (priority === 'interactive') return;
    await this.redis.decr(this.counterKey(deployment, priority, team));
  }

  private counterKey(deployment: string, priority: Priority, team: string): string {
    return `${this.keys.prefix}:fair:{${llmQueueName(deployment)}}:${priority}:${team}`;
  }
}
