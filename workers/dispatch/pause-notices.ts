import type { Redis } from 'ioredis';
import { z } from 'zod';

const noticeSchema = z.object({ deployment: z.string().min(1), ms: z.number().positive() });
export type PauseNotice = z.infer<typeof noticeSchema>;

/**
 * Tells every worker process at once that a vendor asked for a pause on a deployment, over
 * pub/sub. The pause itself is in Redis (TokenBuckets.block) and that stays the truth; a notice
 * only spares the other processes the read of it before each call. Pub/sub is at-most-once, so a
 * listener that lost its connection re-reads the pauses (DeploymentPacing.forgetReads), and an
 * unpaced deployment's pause is still re-read from Redis once per recheck interval.
 *
 * The duration, not an end time, travels: the processes' clocks may disagree, and a notice is
 * delivered within milliseconds.
 */
export class PauseNotices {
  constructor(
    private readonly redis: Redis,
    readonly channel: string,
  ) {}

  async publish(deployment: string, ms: number): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify({ deployment, ms: Math.ceil(ms) } satisfies PauseNotice));
  }

  /** The notice in a message of the channel, or null for anything else. */
  static parse(message: string): PauseNotice | null {
    try {
      const parsed = noticeSchema.safeParse(JSON.parse(message));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
}
