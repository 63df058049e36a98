import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './micro-batcher.js';

describe('MicroBatcher', () => {
  it('runs the first call at once and batches calls that arrive while it runs', async () => {
    const runs: string[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MicroBatcher<string, string>(async (items) => {
      runs.push(items);
      if (runs.length === 1) await gate;
      return items.map((i) => i.toUpperCase());
    }, 10);
    const first = batcher.submit(['a']);
    await Promise.resolve();
    const second = batcher.submit(['b', 'c']);
    const third = batcher.submit(['d']);
    release();
    expect(await Promise.all([first, second, third])).toEqual([['A'], ['B', 'C'], ['D']]);
    expect(runs).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('never puts more than maxBatch items in a run, but keeps one caller whole', async () => {
    const runs: number[] = [];
    const batcher = new MicroBatcher<number, number>(async (items) => {
      runs.push(items.length);
      return items;
    }, 3);
    await Promise.all([batcher.submit([1, 2]), batcher.submit([3, 4]), batcher.submit([5, 6, 7, 8])]);
    expect(runs).toEqual([2, 2, 4]);
  });

  it('rejects every caller of a failed run and keeps serving later calls', async () => {
    let fail = true;
    const batcher = new MicroBatcher<number, number>(async (items) => {
      if (fail) throw new Error('model down');
      return items;
    }, 10);
    const calls = [batcher.submit([1]), batcher.submit([2])];
    await expect(Promise.all(calls)).rejects.toThrow('model down');
    await Promise.allSettled(calls);
    fail = false;
    expect(await batcher.submit([3])).toEqual([3]);
  });
});
