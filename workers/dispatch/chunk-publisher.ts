import type { Redis } from 'ioredis';
import type { ChatCompletionChunk } from '../../shared/canonical/chat-response.js';
import type { JobRecord } from '../../shared/jobs/job-record.js';
import { chunkMessage, endMessage } from '../../shared/jobs/stream-messages.js';
import { STREAM_START_SCRIPT } from '../../shared/jobs/job-scripts.js';
import { publishInSlot } from '../../shared/redis/publish-in-slot.js';
import type { RedisKeys } from '../../shared/redis/redis-keys.js';

type Scripted = Redis & { syStreamStart(key: string, channel: string, ...messages: string[]): Promise<number> };

/**
 * Sends stream chunks to the API process holding the client (its `reply_to` channel), in the
 * sequenced format of shared/jobs/stream-messages.ts, so the relay forwards the JSON without parsing
 * it and can tell when it missed one. The first publish also marks the record `streamed`, in the
 * same script: from then on the job cannot fail over, since the client has seen part of an answer.
 * Each publish is awaited, so a slow Redis slows the vendor read.
 */
export class ChunkPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    // A script, not MULTI: building an ioredis MULTI on a connection carrying BullMQ's scripts costs ~60 µs, on the first token's path.
    if (!('syStreamStart' in redis)) redis.defineCommand('syStreamStart', { numberOfKeys: 1, lua: STREAM_START_SCRIPT });
  }

  /**
   * Publishes `chunks` (one, or the held-back start of a stream) numbered from `seq`. With `first`,
   * the same script marks the record `streamed`.
   */
  async publish(record: Pick<JobRecord, 'id' | 'replyTo'>, chunks: ChatCompletionChunk | readonly ChatCompletionChunk[], first: boolean, seq = 1): Promise<void> {
    const list = Array.isArray(chunks) ? chunks : [chunks as ChatCompletionChunk];
    const messages = list.map((chunk, i) => chunkMessage(record.id, seq + i, JSON.stringify(chunk)));
    const key = this.keys.job(record.id);
    if (first) {
      await (this.redis as Scripted).syStreamStart(key, record.replyTo, ...messages);
      return;
    }
    // Routed by the job's key on a cluster, like the start script, so the chunks stay in order.
    for (const message of messages) await publishInSlot(this.redis, key, record.replyTo, message);
  }

  /** Tells the relay the vendor stream ended properly after `total` chunks (before the job's terminal event). */
  async end(record: Pick<JobRecord, 'id' | 'replyTo'>, total: number): Promise<void> {
    await publishInSlot(this.redis, this.keys.job(record.id), record.replyTo, endMessage(record.id, total));
  }
}
