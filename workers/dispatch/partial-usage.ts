import type { ChatRequest } from '../../shared/canonical/chat-request.js';
import type { ChatCompletion, Usage } from '../../shared/canonical/chat-response.js';
import { countTextTokens, estimatePromptTokens } from '../../shared/rate-limit/index.js';

/** What a cut stream is charged, and whether any of it is our estimate rather than the vendor's count. */
export interface PartialUsage {
  usage: Usage;
  estimated: boolean;
}

/**
 * The usage of a stream that failed after its first chunk. Vendors report usage at the end (OpenAI
 * only in the final chunk; Anthropic's output count only in message_delta), so a cut stream would
 * otherwise be charged nothing. Prompt tokens: the vendor's count when it gave one (Anthropic's
 * message_start, Gemini's cumulative chunks), else the request's estimate (o200k_base, as for
 * reservations). Completion tokens: the larger of the vendor's count so far and the tokens of the
 * text, refusal and tool-call deltas received. `estimated` is true when either estimate was used.
 */
export function partialUsage(request: ChatRequest, partial: ChatCompletion, reported: Usage | undefined): PartialUsage {
  const received = receivedTokens(partial);
  const prompt = reported?.prompt_tokens ?? estimatePromptTokens(request);
  const completion = Math.max(reported?.completion_tokens ?? 0, received);
  const estimated = reported === undefined || received > reported.completion_tokens;
  if (!estimated) return { usage: reported, estimated };
  return { usage: { ...reported, prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }, estimated };
}

/** Tokens of everything the vendor had generated: content, refusals, tool-call names and arguments. */
function receivedTokens(partial: ChatCompletion): number {
  let total = 0;
  for (const { message } of partial.choices) {
    total += countTextTokens(message.content ?? '') + countTextTokens(message.refusal ?? '');
    for (const call of message.tool_calls ?? []) total += countTextTokens(call.function.name) + countTextTokens(call.function.arguments);
  }
  return total;
}
