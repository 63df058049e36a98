import { Queue, Worker, type Job } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testPrefix, testRedis } from '../test/helpers/test-redis.js';
import { PromptWorker } from './prompt-worker.js';

const BURST = 20;
const redis = testRedis();
const prefix = testPrefix('prompt-worker');
const queue = new Queue('burst', { connection: redis.duplicate(), prefix });
afterAll(async () => {
  await queue.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

/**
 * Queues a burst, then starts a worker that can take all of it at once; reports how many jobs were
 * already active (fetched) when the first one began, and whether every job ran once.
 */
async function firstStartOfBurst(WorkerClass: typeof Worker, label: string): Promise<{ activeAtFirstStart: number; processed: string[] }> {
  await queue.addBulk(Array.from({ length: BURST }, (_, i) => ({ name: label, data: {}, opts: { jobId: `${label}-${i}` } })));
  const processed: string[] = [];
  let activeAtFirstStart: number | undefined;
  let first: Promise<number> | undefined;
  const allDone = new Promise<void>((resolve) => {
    const worker = new WorkerClass(
      'burst',
      async (job: Job) => {
        first ??= queue.getActiveCount();
        activeAtFirstStart ??= await first;
        processed.push(String(job.id));
        if (processed.length === BURST) void worker.close().then(resolve);
      },
      { connection: redis.duplicate(), prefix, concurrency: BURST },
    );
  });
  await allDone;
  return { activeAtFirstStart: activeAtFirstStart!, processed: processed.sort() };
}

describe('PromptWorker', () => {
  const ids = (label: string): string[] => Array.from({ length: BURST }, (_, i) => `${label}-${i}`).sort();

  it('BullMQ alone fetches the whole burst before it starts the first job', async () => {
    const { activeAtFirstStart, processed } = await firstStartOfBurst(Worker, 'plain');
    expect(activeAtFirstStart).toBe(BURST);
    expect(processed).toEqual(ids('plain'));
  });

  it('starts the first job of a burst as soon as it is fetched, and still runs each job once', async () => {
    const { activeAtFirstStart, processed } = await firstStartOfBurst(PromptWorker as typeof Worker, 'prompt');
    expect(activeAtFirstStart).toBeLessThanOrEqual(3);
    expect(processed).toEqual(ids('prompt'));
  });
});
