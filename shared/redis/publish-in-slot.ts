import { Cluster } from 'ioredis';
import type { RedisClient } from './create-redis-client.js';

/**
 * PUBLISHes through the node that serves `key`'s slot. On one Redis node that is a plain PUBLISH.
 * A cluster client sends a keyless command such as PUBLISH to any node, and messages published on
 * different nodes reach a subscriber in no particular order; routed by one key — the job whose
 * stream it is, whose scripts also publish its terminal event — a sequence of messages keeps its
 * order end to end (one connection to one node, then one cluster-bus link to the subscriber's).
 * The EXISTS only routes the pipeline; its reply is ignored.
 */
export async function publishInSlot(redis: RedisClient, key: string, channel: string, message: string): Promise<void> {
  if (!(redis instanceof Cluster)) {
    await redis.publish(channel, message);
    return;
  }
  const replies = (await redis.pipeline().exists(key).publish(channel, message).exec()) ?? [];
  const failed = replies.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}
