import type { StopReason } from '@anthropic-ai/sdk/resources/messages';
import type { ChatCompletion, FinishReason, ResponseToolCall, Usage } from '../../canonical/chat-response.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { ResponseContext } from '../translator.js';
import { JSON_RESPONSE_TOOL } from './anthropic-tools.js';
import type { AnthropicResponse, AnthropicUsage } from './anthropic-types.js';

/** Anthropic `stop_reason` → OpenAI `finish_reason`. */
export const FINISH_REASON_BY_STOP_REASON: Readonly<Record<StopReason, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  // A server tool loop paused; the turn so far is complete text.
  pause_turn: 'stop',
  refusal: 'content_filter',
  model_context_window_exceeded: 'length',
};

/**
 * The finish reason for a stop reason. With the JSON response strategy the forced tool call is the
 * answer itself, so `tool_use` means `stop`.
 */
export function anthropicFinishReason(stopReason: string | null | undefined, jsonMode: boolean): FinishReason | null {
  if (stopReason == null) return null;
  if (stopReason === 'tool_use' && jsonMode) return 'stop';
  return FINISH_REASON_BY_STOP_REASON[stopReason as StopReason] ?? 'stop';
}

/**
 * Anthropic usage → OpenAI usage. Anthropic's `input_tokens` excludes cached input, so
 * prompt_tokens = input + cache_read + cache_creation (what OpenAI's prompt_tokens counts), and the
 * cache reads are also reported as `prompt_tokens_details.cached_tokens`. Thinking tokens are part
 * of output_tokens, as reasoning tokens are part of OpenAI's completion_tokens.
 */
export function anthropicUsage(usage: AnthropicUsage): Usage {
  const cached = usage.cache_read_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + cached + (usage.cache_creation_input_tokens ?? 0);
  const completion = usage.output_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: usage.output_tokens_details?.thinking_tokens ?? 0 },
  };
}

/**
 * A Messages API response → `chat.completion`. Text blocks are joined into `content`; `tool_use`
 * blocks become `tool_calls` (Anthropic's ids kept, input as a JSON string); thinking and server-tool
 * blocks are not part of the OpenAI shape and are left out. `model` is the model that served.
 */
export function fromAnthropicResponse(response: AnthropicResponse, context: ResponseContext): ChatCompletion {
  if (!response || !Array.isArray(response.content)) throw new GatewayError('server_error', 'Anthropic returned a malformed message');
  let text = '';
  let hasText = false;
  let json: string | undefined;
  const toolCalls: ResponseToolCall[] = [];
  for (const block of response.content) {
    if (block.type === 'text') {
      text += block.text;
      hasText = true;
    } else if (block.type === 'tool_use') {
      const args = JSON.stringify(block.input ?? {});
      if (block.name === JSON_RESPONSE_TOOL) json = args;
      else toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: args } });
    }
  }
  const jsonMode = json !== undefined;
  // In JSON mode the tool input is the answer; any text around it would break the client's parse.
  const content = json ?? (hasText || toolCalls.length === 0 ? text : null);
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: response.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        logprobs: null,
        finish_reason: anthropicFinishReason(response.stop_reason, jsonMode) ?? 'stop',
      },
    ],
    usage: anthropicUsage(response.usage ?? {}),
  };
}
