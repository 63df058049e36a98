import type { Redis } from 'ioredis';
import type { ChatCompletionChunk } from '../../shared/canonical/chat-response.js';
import type { JobRecord } from '../../shared/jobs/job-record.js';
import type { RedisKeys } from '../../shared/redis/redis-keys.js';

/**
 * Sends stream chunks to the API process holding the client (its `reply_to` channel), as
 * `<job id>\n<chunk JSON>` so the relay forwards the JSON without parsing it. The first chunk also
 * marks the record `streamed`, in the same round trip: from then on the job cannot fail over, since
 * the client has seen part of an answer. Each publish is awaited, so a slow Redis slows the vendor read.
 */
export class ChunkPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async publish(record: JobRecord, chunk: ChatCompletionChunk, first: boolean): Promise<void> {
    const message = `${record.id}\n${JSON.stringify(chunk)}`;
    if (first) {
      await this.redis.multi().hset(this.keys.job(record.id), 'streamed', '1').publish(record.replyTo, message).exec();
    } else {
      await this.redis.publish(record.replyTo, message);
    }
  }
}
