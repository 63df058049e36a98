import type { ChatCompletionChunk } from './chat-response.js';

/**
 * Whether a chunk carries part of the answer: text, a refusal, a tool-call delta, or a finish
 * reason. A role-only chunk (`{role: 'assistant', content: ''}`, which every vendor translation
 * starts with) and an empty delta do not: until the first chunk that does, a stream can still fail
 * over, and its time-to-first-token clock keeps running.
 */
export function carriesAnswer(chunk: ChatCompletionChunk): boolean {
  return chunk.choices.some(
    ({ delta, finish_reason }) => finish_reason != null || !!delta.content || !!delta.refusal || (delta.tool_calls?.length ?? 0) > 0,
  );
}
