import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { PRIORITIES, type Priority } from '../jobs/job-record.js';

/** BullMQ scores a prioritized job `priority * 2^32 + counter` (its getPriorityScore.lua). */
const SCORE_PER_PRIORITY = 0x100000000;

/**
 * Attempts waiting in one deployment queue per priority class, for the
 * `switchyard_queue_waiting_by_priority` gauge. `base` gives each class's lowest BullMQ priority
 * (FairPriority.reentry); a class spans up to the next class's base. One ZCOUNT per class on the
 * queue's prioritized set (on `redis`, the queue's connection), where every Switchyard attempt
 * waits (all carry a priority).
 */
export async function waitingByPriority(redis: Pick<Redis, 'zcount'>, queue: Queue, base: (priority: Priority) => number): Promise<Record<Priority, number>> {
  const bounds = PRIORITIES.map((p, i) => {
    const next = PRIORITIES[i + 1];
    return [base(p) * SCORE_PER_PRIORITY, next === undefined ? '+inf' : `(${base(next) * SCORE_PER_PRIORITY}`] as const;
  });
  const counts = await Promise.all(bounds.map(([min, max]) => redis.zcount(queue.keys.prioritized!, min, max)));
  return Object.fromEntries(PRIORITIES.map((p, i) => [p, counts[i] ?? 0])) as Record<Priority, number>;
}
