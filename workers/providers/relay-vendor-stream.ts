import { carriesAnswer } from '../../shared/canonical/answer-chunk.js';
import type { ChatCompletionChunk, Usage } from '../../shared/canonical/chat-response.js';
import type { CallOptions } from './provider-runtime.js';

/**
 * Feeds a vendor's stream events through `translate` to `onChunk` (awaited), and keeps the runtime's
 * timer honest. Until the first chunk that carries part of the answer, vendor events do not reset it
 * (Anthropic's message_start and ping, role-only chunks), so the deployment's `timeoutMs` bounds the
 * time to the first token, not to the first event. From that chunk on, every event resets it, so the
 * same `timeoutMs` then bounds the silence between two events.
 */
export async function relayVendorStream<Event>(
  events: AsyncIterable<Event>,
  translate: (event: Event) => ChatCompletionChunk[],
  onChunk: (chunk: ChatCompletionChunk) => Promise<void> | void,
  resetTimer: () => void,
): Promise<void> {
  let answering = false;
  for await (const event of events) {
    if (answering) resetTimer();
    for (const chunk of translate(event)) {
      if (!answering && carriesAnswer(chunk)) {
        answering = true;
        resetTimer();
      }
      await onChunk(chunk);
    }
  }
}

/** Hands a failed stream's vendor-reported usage (if any) to the caller that asked for it. */
export function reportPartialUsage(usage: Usage | undefined, options: Pick<CallOptions, 'onPartialUsage'>): void {
  if (usage) options.onPartialUsage?.(usage);
}
