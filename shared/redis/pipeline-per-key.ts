import { Cluster, type ChainableCommander } from 'ioredis';
import type { RedisClient } from './create-redis-client.js';

/** One reply of a pipeline: the command's error, or null and its result. */
export type PipelineReply = [Error | null, unknown];

/**
 * Runs the commands `add` queues for each key and returns one reply per key, in order. On one
 * Redis node that is a single pipeline (one round trip). A cluster refuses a pipeline whose keys
 * live on different nodes, so there each key gets its own one-key pipeline, all sent at once.
 * `add` must queue exactly one command, on keys of `key`'s slot.
 */
export async function pipelinePerKey(redis: RedisClient, keys: readonly string[], add: (pipeline: ChainableCommander, key: string) => void): Promise<PipelineReply[]> {
  if (!(redis instanceof Cluster)) {
    const pipeline = redis.pipeline();
    for (const key of keys) add(pipeline, key);
    return ((await pipeline.exec()) ?? []) as PipelineReply[];
  }
  return Promise.all(
    keys.map(async (key): Promise<PipelineReply> => {
      const pipeline = redis.pipeline();
      add(pipeline, key);
      const [reply] = ((await pipeline.exec()) ?? []) as PipelineReply[];
      return reply ?? [null, null];
    }),
  );
}
