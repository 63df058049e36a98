import type { ProviderRuntime } from '../../workers/providers/provider-runtime.js';
import { createMockRuntime } from '../../workers/providers/mock/mock-runtime.js';

export interface GatedRuntime {
  runtime: ProviderRuntime;
  /** Calls started so far. */
  readonly started: number;
  /** Resolves once `count` calls have started (without polling). */
  arrived(count: number): Promise<void>;
  /** Lets every held call and every later one answer at once. */
  open(): void;
}

/**
 * The built-in mock provider behind a gate: each call waits until the test opens the gate, so a
 * test decides exactly which lines are running and which are still queued when it acts.
 */
export function gatedMockRuntime(): GatedRuntime {
  const mock = createMockRuntime();
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  let started = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const enter = async (): Promise<void> => {
    started += 1;
    for (const w of waiting.filter((x) => started >= x.count)) w.resolve();
    await gate;
  };
  return {
    runtime: {
      async complete(request, model, context, options) {
        await enter();
        return mock.complete(request, model, context, options);
      },
      async stream(request, model, context, options, onChunk) {
        await enter();
        return mock.stream(request, model, context, options, onChunk);
      },
    },
    get started() {
      return started;
    },
    arrived(count) {
      if (started >= count) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ count, resolve }));
    },
    open: () => release(),
  };
}
