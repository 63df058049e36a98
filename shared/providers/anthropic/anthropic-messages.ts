import type { AssistantMessage, ChatMessage, ToolMessage, UserMessage } from '../../canonical/chat-request.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { parseToolArguments } from '../tool-arguments.js';
import { anthropicToolId, userPartToBlock } from './anthropic-content.js';
import type { AnthropicBlock, AnthropicMessageParam, AnthropicRequest, AnthropicTextBlock } from './anthropic-types.js';

/** System prompts go to the top-level `system`, so turns are only ever user or assistant. */
type Role = Exclude<AnthropicMessageParam['role'], 'system'>;

/**
 * Canonical messages → Anthropic's top-level `system` and its alternating `messages`.
 * - system and developer messages, wherever they appear, are joined in order into `system`
 *   (a string for one block, text blocks for several);
 * - `tool` messages become `tool_result` blocks in a user turn;
 * - consecutive turns of one role are merged (Anthropic wants user and assistant to alternate), and
 *   within a user turn tool results go first, as Anthropic requires;
 * - empty text is left out (Anthropic rejects empty text blocks), and so is a turn left empty.
 * Throws a 400 naming the message or part that cannot be translated.
 */
export function toAnthropicMessages(messages: readonly ChatMessage[]): Pick<AnthropicRequest, 'system' | 'messages'> {
  const system: AnthropicTextBlock[] = [];
  const turns: Array<{ role: Role; blocks: AnthropicBlock[] }> = [];
  const append = (role: Role, blocks: AnthropicBlock[]): void => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  };

  messages.forEach((message, i) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(message.content));
        break;
      case 'user':
        append('user', userBlocks(message, i));
        break;
      case 'assistant':
        append('assistant', assistantBlocks(message, i));
        break;
      case 'tool':
        append('user', [toolResultBlock(message)]);
        break;
    }
  });

  if (turns.length === 0) throw invalidRequest('Anthropic needs at least one user or assistant message with content.', 'messages');
  const result: Pick<AnthropicRequest, 'system' | 'messages'> = {
    messages: turns.map(({ role, blocks }) => ({ role, content: compact(role === 'user' ? toolResultsFirst(blocks) : blocks) })),
  };
  if (system.length === 1) result.system = system[0]!.text;
  else if (system.length > 1) result.system = system;
  return result;
}

function textBlocks(content: string | ReadonlyArray<{ type: 'text'; text: string }>): AnthropicTextBlock[] {
  const texts = typeof content === 'string' ? [content] : content.map((part) => part.text);
  return texts.filter((text) => text !== '').map((text) => ({ type: 'text', text }));
}

function userBlocks(message: UserMessage, i: number): AnthropicBlock[] {
  if (typeof message.content === 'string') return textBlocks(message.content);
  return message.content
    .filter((part) => part.type !== 'text' || part.text !== '')
    .map((part, j) => userPartToBlock(part, `messages[${i}].content[${j}]`));
}

function assistantBlocks(message: AssistantMessage, i: number): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  const content = message.content;
  if (typeof content === 'string') blocks.push(...textBlocks(content));
  else if (content) {
    // A refusal the client kept in the history is still what the assistant said.
    const texts = content.map((part) => (part.type === 'text' ? part.text : part.refusal));
    blocks.push(...textBlocks(texts.map((text) => ({ type: 'text' as const, text }))));
  }
  (message.tool_calls ?? []).forEach((call, j) => {
    blocks.push({
      type: 'tool_use',
      id: anthropicToolId(call.id),
      name: call.function.name,
      input: parseToolArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`),
    });
  });
  return blocks;
}

function toolResultBlock(message: ToolMessage): AnthropicBlock {
  const content = typeof message.content === 'string' ? message.content : textBlocks(message.content);
  const block: AnthropicBlock = { type: 'tool_result', tool_use_id: anthropicToolId(message.tool_call_id) };
  if (content.length > 0) block.content = content;
  return block;
}

/** A turn of one text block is sent in the string form, as Anthropic's own clients send it. */
function compact(blocks: AnthropicBlock[]): string | AnthropicBlock[] {
  const only = blocks.length === 1 ? blocks[0] : undefined;
  return only?.type === 'text' ? only.text : blocks;
}

function toolResultsFirst(blocks: AnthropicBlock[]): AnthropicBlock[] {
  return [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')];
}
