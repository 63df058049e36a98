import type { ChatCompletionChunk, FinishReason, Usage } from '../../canonical/chat-response.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { FinishingStreamTranslator } from '../finishing-stream.js';
import type { ResponseContext } from '../translator.js';
import { anthropicStreamErrorFailure, classifyAnthropicFailure } from './anthropic-errors.js';
import { anthropicFinishReason, anthropicUsage } from './anthropic-response.js';
import { JSON_RESPONSE_TOOL } from './anthropic-tools.js';
import type { AnthropicStreamEvent, AnthropicUsage } from './anthropic-types.js';

type Delta = ChatCompletionChunk['choices'][number]['delta'];
/** What each content block index carries: text, a client tool call (its tool_calls index), the JSON answer, or nothing we relay. */
type Block = { kind: 'text' } | { kind: 'tool'; toolIndex: number } | { kind: 'json' } | { kind: 'other' };

/**
 * Anthropic stream events → `chat.completion.chunk`s:
 * message_start → role chunk; text_delta → content; tool_use start → tool call header (index, id,
 * name), input_json_delta → argument fragments; message_delta → the finish_reason chunk; ping,
 * content_block_stop and message_stop → nothing; error → throws the classified GatewayError.
 * With `jsonMode` (JSON response_format, served by a forced tool) the tool's input streams as content.
 */
export function anthropicStreamTranslator(context: ResponseContext, jsonMode: boolean): FinishingStreamTranslator<AnthropicStreamEvent> {
  let model = '';
  let usage: AnthropicUsage = {};
  let started = false;
  let stopped = false;
  let finished = false;
  let toolCount = 0;
  const blocks = new Map<number, Block>();

  const chunk = (delta: Delta, finishReason: FinishReason | null = null): ChatCompletionChunk => ({
    id: context.id,
    object: 'chat.completion.chunk',
    created: context.created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  const finishChunk = (reason: FinishReason): ChatCompletionChunk[] => {
    finished = true;
    return [chunk({}, reason)];
  };

  return {
    push(event) {
      switch (event.type) {
        case 'message_start':
          model = event.message.model;
          usage = { ...event.message.usage };
          started = true;
          return [chunk({ role: 'assistant', content: '' })];
        case 'content_block_start': {
          const block = event.content_block;
          if (block.type === 'text') {
            blocks.set(event.index, jsonMode ? { kind: 'other' } : { kind: 'text' });
            return block.text && !jsonMode ? [chunk({ content: block.text })] : [];
          }
          if (block.type !== 'tool_use') {
            blocks.set(event.index, { kind: 'other' });
            return [];
          }
          if (block.name === JSON_RESPONSE_TOOL) {
            blocks.set(event.index, { kind: 'json' });
            return [];
          }
          const toolIndex = toolCount++;
          blocks.set(event.index, { kind: 'tool', toolIndex });
          return [chunk({ tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] })];
        }
        case 'content_block_delta': {
          const block = blocks.get(event.index);
          const delta = event.delta;
          if (delta.type === 'text_delta' && block?.kind === 'text') return delta.text ? [chunk({ content: delta.text })] : [];
          if (delta.type !== 'input_json_delta' || !delta.partial_json) return [];
          if (block?.kind === 'json') return [chunk({ content: delta.partial_json })];
          if (block?.kind === 'tool') return [chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: delta.partial_json } }] })];
          return [];
        }
        case 'message_delta': {
          const next = event.usage;
          usage = {
            ...usage,
            output_tokens: next.output_tokens,
            // Newer servers repeat the (final) input counts here; older ones leave them out.
            ...(next.input_tokens != null ? { input_tokens: next.input_tokens } : {}),
            ...(next.cache_read_input_tokens != null ? { cache_read_input_tokens: next.cache_read_input_tokens } : {}),
            ...(next.cache_creation_input_tokens != null ? { cache_creation_input_tokens: next.cache_creation_input_tokens } : {}),
            ...(next.output_tokens_details ? { output_tokens_details: next.output_tokens_details } : {}),
          };
          const reason = anthropicFinishReason(event.delta.stop_reason, jsonMode);
          return reason && !finished ? finishChunk(reason) : [];
        }
        case 'message_stop':
          stopped = true;
          return finished ? [] : finishChunk('stop');
        case 'error':
          throw classifyAnthropicFailure(anthropicStreamErrorFailure(event));
        default:
          // ping, content_block_stop, and event types newer than this translator.
          return [];
      }
    },
    usage(): Usage | undefined {
      return started ? anthropicUsage(usage) : undefined;
    },
    finish() {
      if (!stopped) throw new GatewayError('server_error', 'The Anthropic stream ended before message_stop');
      return [];
    },
  };
}
