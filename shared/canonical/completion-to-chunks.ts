import type { ChatCompletion, ChatCompletionChunk } from './chat-response.js';

/**
 * The chunks a stream of `completion` would have carried: per choice a role delta, the content,
 * the tool calls (whole, with their indexes), then the finish reason. Lets a stored answer (a cache
 * hit) be replayed to a `stream: true` client.
 */
export function completionToChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  const base = { id: completion.id, object: 'chat.completion.chunk' as const, created: completion.created, model: completion.model };
  const chunks: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    const { message } = choice;
    chunks.push({ ...base, choices: [{ index: choice.index, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    if (message.content) chunks.push({ ...base, choices: [{ index: choice.index, delta: { content: message.content }, finish_reason: null }] });
    if (message.refusal) chunks.push({ ...base, choices: [{ index: choice.index, delta: { refusal: message.refusal }, finish_reason: null }] });
    if (message.tool_calls?.length) {
      const toolCalls = message.tool_calls.map((call, index) => ({ index, id: call.id, type: 'function' as const, function: { name: call.function.name, arguments: call.function.arguments } }));
      chunks.push({ ...base, choices: [{ index: choice.index, delta: { tool_calls: toolCalls }, finish_reason: null }] });
    }
    chunks.push({ ...base, choices: [{ index: choice.index, delta: {}, finish_reason: choice.finish_reason }] });
  }
  return chunks;
}
