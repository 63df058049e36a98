interface Pending<I, O> {
  readonly items: readonly I[];
  readonly resolve: (results: O[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent calls into batched runs: the first call starts a run at once (no added
 * latency when idle); calls arriving while a run is in flight wait and go together in the next one.
 * One caller's items are never split across runs; a run failing rejects every caller in it.
 */
export class MicroBatcher<I, O> {
  readonly #run: (items: I[]) => Promise<O[]>;
  readonly #maxBatch: number;
  #queue: Pending<I, O>[] = [];
  #busy = false;

  /** @param maxBatch items per run (a single larger call still runs alone, whole). */
  constructor(run: (items: I[]) => Promise<O[]>, maxBatch: number) {
    this.#run = run;
    this.#maxBatch = maxBatch;
  }

  /** Resolves with one result per item, in order. */
  submit(items: readonly I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      this.#queue.push({ items, resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        queueMicrotask(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#take();
      const items = batch.flatMap((pending) => pending.items);
      try {
        const results = await this.#run(items);
        if (results.length !== items.length) throw new Error(`batch returned ${results.length} results for ${items.length} items`);
        let offset = 0;
        for (const pending of batch) {
          pending.resolve(results.slice(offset, offset + pending.items.length));
          offset += pending.items.length;
        }
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.#busy = false;
  }

  #take(): Pending<I, O>[] {
    const batch: Pending<I, O>[] = [];
    let count = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0];
      if (next === undefined || (batch.length > 0 && count + next.items.length > this.#maxBatch)) break;
      batch.push(next);
      count += next.items.length;
      this.#queue.shift();
    }
    return batch;
  }
}
