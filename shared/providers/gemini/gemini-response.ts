import type { FinishReason as GeminiFinishReason } from '@google/genai';
import type { ChatCompletion, FinishReason, ResponseToolCall, Usage } from '../../canonical/chat-response.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { ResponseContext } from '../translator.js';
import { geminiToolCallId } from './gemini-tool-ids.js';
import type { GeminiCandidate, GeminiResponse, GeminiUsageMetadata } from './gemini-types.js';

/** Gemini `finishReason` → OpenAI `finish_reason` (a function call ending in STOP is `tool_calls`). */
export const FINISH_REASON_BY_GEMINI: Readonly<Record<`${GeminiFinishReason}`, FinishReason>> = {
  FINISH_REASON_UNSPECIFIED: 'stop',
  STOP: 'stop',
  MAX_TOKENS: 'length',
  // The output was cut to be continued with a continuation token: for the client, a length stop.
  CONTINUATION: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  IMAGE_RECITATION: 'content_filter',
  LANGUAGE: 'stop',
  OTHER: 'stop',
  MALFORMED_FUNCTION_CALL: 'stop',
  UNEXPECTED_TOOL_CALL: 'stop',
  TOO_MANY_TOOL_CALLS: 'stop',
  NO_IMAGE: 'stop',
  IMAGE_OTHER: 'stop',
};

export function geminiFinishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  const mapped = FINISH_REASON_BY_GEMINI[(reason ?? 'STOP') as `${GeminiFinishReason}`] ?? 'stop';
  return mapped === 'stop' && hasToolCalls ? 'tool_calls' : mapped;
}

/**
 * Gemini usage → OpenAI usage. `promptTokenCount` already includes cached tokens (reported as
 * `cached_tokens`); thoughts are output the client pays for, so completion_tokens =
 * candidates + thoughts, with thoughts as `reasoning_tokens` (as OpenAI counts reasoning).
 */
export function geminiUsage(usage: GeminiUsageMetadata): Usage {
  const prompt = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const reasoning = usage.thoughtsTokenCount ?? 0;
  const completion = (usage.candidatesTokenCount ?? 0) + reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage.totalTokenCount ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: usage.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

type Choice = ChatCompletion['choices'][number];

/** One candidate → one choice. Thought summaries and output media are not part of the OpenAI shape. */
export function geminiChoice(candidate: GeminiCandidate, position: number, context: ResponseContext): Choice {
  const index = candidate.index ?? position;
  let text = '';
  let hasText = false;
  const toolCalls: ResponseToolCall[] = [];
  for (const part of candidate.content?.parts ?? []) {
    if (part.thought) continue;
    if (typeof part.text === 'string') {
      text += part.text;
      hasText = true;
    } else if (part.functionCall) {
      const id = geminiToolCallId(context, index, toolCalls.length, part.functionCall, part.thoughtSignature);
      toolCalls.push({ id, type: 'function', function: { name: part.functionCall.name ?? '', arguments: JSON.stringify(part.functionCall.args ?? {}) } });
    }
  }
  return {
    index,
    message: {
      role: 'assistant',
      content: hasText || toolCalls.length === 0 ? text : null,
      refusal: null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
    logprobs: null,
    finish_reason: geminiFinishReason(candidate.finishReason, toolCalls.length > 0),
  };
}

/**
 * A generateContent response → `chat.completion`. A prompt blocked by safety (`promptFeedback.
 * blockReason`, no candidates) is an empty answer with finish_reason `content_filter`, not an error.
 * `model` is the serving `modelVersion`, else `fallbackModel` (the model asked for).
 */
export function fromGeminiResponse(response: GeminiResponse, context: ResponseContext, fallbackModel = ''): ChatCompletion {
  const candidates = response?.candidates ?? [];
  let choices: Choice[];
  if (candidates.length > 0) choices = candidates.map((candidate, i) => geminiChoice(candidate, i, context));
  else if (response?.promptFeedback?.blockReason) choices = [blockedChoice()];
  else throw new GatewayError('server_error', 'Gemini returned no candidates and no block reason');
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: response.modelVersion ?? fallbackModel,
    choices: choices.sort((a, b) => a.index - b.index),
    usage: geminiUsage(response.usageMetadata ?? {}),
  };
}

function blockedChoice(): Choice {
  return { index: 0, message: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: 'content_filter' };
}
