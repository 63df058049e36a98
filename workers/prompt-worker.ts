import { Worker, type Job } from 'bullmq';

/**
 * A BullMQ worker that starts each job it fetches before it fetches another.
 *
 * BullMQ's fetch loop (concurrency > 1) fetches jobs one after another until a fetch comes back
 * empty, and only then starts the ones it holds: a lone job waits one more queue round trip before
 * it runs, and the first of a burst of n waits n. Here the fetch asked for right after a job was
 * fetched, while that job has not started, answers "none" without going to Redis; BullMQ then
 * starts the job it holds and comes back for the next one (it does not mark the queue drained on
 * that answer, so the next fetch is a real one). The number of fetches is the same; each job just
 * starts as soon as it is in hand.
 */
export class PromptWorker<Data = unknown> extends Worker<Data> {
  /**
   * A job was just fetched and not yet started: the next fetch is skipped. Cleared by that skip or by
   * the start, so at most one fetch per job is ever skipped and a job BullMQ never starts (it closes)
   * cannot stop the fetching.
   */
  private holding = false;

  protected override async moveToActive(token: string, name?: string): Promise<Job<Data>> {
    if (this.holding) {
      this.holding = false;
      return undefined as unknown as Job<Data>;
    }
    const job = await super.moveToActive(token, name);
    this.holding = job !== undefined;
    return job;
  }

  override processJob(job: Job<Data>, token: string, fetchNextCallback?: () => boolean) {
    this.holding = false;
    return super.processJob(job, token, fetchNextCallback);
  }
}
