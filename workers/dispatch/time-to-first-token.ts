import { carriesAnswer } from '../../shared/canonical/answer-chunk.js';
import type { ProviderRuntime } from '../providers/provider-runtime.js';

/**
 * The runtime, with its streams reporting once the seconds from `startedMs` (a `performance.now()`)
 * to the first chunk that carries part of the answer — the vendor's time to first token, as the
 * `switchyard_time_to_first_token_seconds` histogram records it. Non-streaming calls are untouched.
 */
export function timeFirstToken(runtime: ProviderRuntime, startedMs: number, observe: (seconds: number) => void): ProviderRuntime {
  return {
    complete: (...args) => runtime.complete(...args),
    stream(request, model, context, options, onChunk) {
      let seen = false;
      return runtime.stream(request, model, context, options, (chunk) => {
        if (!seen && carriesAnswer(chunk)) {
          seen = true;
          observe((performance.now() - startedMs) / 1000);
        }
        return onChunk(chunk);
      });
    },
  };
}
