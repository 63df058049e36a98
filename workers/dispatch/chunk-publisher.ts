import type { Redis } from 'ioredis';
import type { ChatCompletionChunk } from '../../shared/canonical/chat-response.js';
import type { JobRecord } from '../../shared/jobs/job-record.js';
import { chunkMessage, endMessage } from '../../shared/jobs/stream-messages.js';
import { publishInSlot } from '../../shared/redis/publish-in-slot.js';
import type { RedisKeys } from '../../shared/redis/redis-keys.js';

/**
 * Sends stream chunks to the API process holding the client (its `reply_to` channel), in the
 * sequenced format of shared/jobs/stream-messages.ts, so the relay forwards the JSON without parsing
 * it and can tell when it missed one. The first publish also marks the record `streamed`, in the
 * same MULTI: from then on the job cannot fail over, since the client has seen part of an answer.
 * Each publish is awaited, so a slow Redis slows the vendor read.
 */
export class ChunkPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Publishes `chunks` (one, or the held-back start of a stream) numbered from `seq`. With `first`,
   * the same MULTI marks the record `streamed`.
   */
  async publish(record: Pick<JobRecord, 'id' | 'replyTo'>, chunks: ChatCompletionChunk | readonly ChatCompletionChunk[], first: boolean, seq = 1): Promise<void> {
    const list = Array.isArray(chunks) ? chunks : [chunks as ChatCompletionChunk];
    const messages = list.map((chunk, i) => chunkMessage(record.id, seq + i, JSON.stringify(chunk)));
    if (!first && messages.length === 1) {
      // Routed by the job's key on a cluster, like the MULTI below, so the chunks stay in order.
      await publishInSlot(this.redis, this.keys.job(record.id), record.replyTo, messages[0]!);
      return;
    }
    const multi = this.redis.multi();
    if (first) multi.hset(this.keys.job(record.id), 'streamed', '1');
    for (const message of messages) multi.publish(record.replyTo, message);
    await multi.exec();
  }

  /** Tells the relay the vendor stream ended properly after `total` chunks (before the job's terminal event). */
  async end(record: Pick<JobRecord, 'id' | 'replyTo'>, total: number): Promise<void> {
    await publishInSlot(this.redis, this.keys.job(record.id), record.replyTo, endMessage(record.id, total));
  }
}
