import type { AssistantMessage, ChatMessage, ToolMessage } from '../../canonical/chat-request.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { userPartToGemini } from './gemini-parts.js';
import { thoughtSignatureOf } from './gemini-tool-ids.js';
import type { GeminiContent, GeminiFlatBody, GeminiPart } from './gemini-types.js';
import { parseToolArguments } from '../tool-arguments.js';

/**
 * Canonical messages → Gemini `contents` and `systemInstruction`.
 * - system and developer messages, wherever they appear, become `systemInstruction` parts in order;
 * - assistant → role `model`, its tool calls → `functionCall` parts (with the thought signature the
 *   id carries, see `geminiToolCallId`);
 * - tool messages → `functionResponse` parts in a user turn, named after the call they answer
 *   (Gemini matches by name, so the name is recovered from the assistant's tool_calls by id);
 * - consecutive turns of one role are merged, and turns left without parts are dropped (Gemini
 *   refuses empty `parts`).
 * Throws a 400 naming the message or part that cannot be translated.
 */
export function toGeminiContents(messages: readonly ChatMessage[]): Pick<GeminiFlatBody, 'contents' | 'systemInstruction'> {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();
  const append = (role: GeminiContent['role'], parts: GeminiPart[]): void => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };

  messages.forEach((message, i) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...textParts(message.content));
        break;
      case 'user':
        append(
          'user',
          typeof message.content === 'string'
            ? textParts(message.content)
            : message.content.filter((p) => p.type !== 'text' || p.text !== '').map((part, j) => userPartToGemini(part, `messages[${i}].content[${j}]`)),
        );
        break;
      case 'assistant':
        for (const call of message.tool_calls ?? []) callNames.set(call.id, call.function.name);
        append('model', modelParts(message, i));
        break;
      case 'tool':
        append('user', [functionResponsePart(message, i, callNames)]);
        break;
    }
  });

  if (contents.length === 0) throw invalidRequest('Gemini needs at least one user or assistant message with content.', 'messages');
  // The SDK sends a string system instruction as a user-role Content; we send the same shape.
  return system.length > 0 ? { contents, systemInstruction: { role: 'user', parts: system } } : { contents };
}

function textParts(content: string | ReadonlyArray<{ text: string }>): GeminiPart[] {
  const texts = typeof content === 'string' ? [content] : content.map((part) => part.text);
  return texts.filter((text) => text !== '').map((text) => ({ text }));
}

function modelParts(message: AssistantMessage, i: number): GeminiPart[] {
  const content = message.content;
  const parts =
    typeof content === 'string' ? textParts(content) : content ? textParts(content.map((p) => ({ text: p.type === 'text' ? p.text : p.refusal }))) : [];
  (message.tool_calls ?? []).forEach((call, j) => {
    const part: GeminiPart = {
      functionCall: { name: call.function.name, args: parseToolArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) },
    };
    const signature = thoughtSignatureOf(call.id);
    if (signature) part.thoughtSignature = signature;
    parts.push(part);
  });
  return parts;
}

/**
 * Gemini wants a JSON object as the response: `{output: …}`, where a tool's text that is valid JSON
 * is sent parsed (the model reads structure better than escaped text) and anything else as text.
 */
function functionResponsePart(message: ToolMessage, i: number, callNames: ReadonlyMap<string, string>): GeminiPart {
  const name = callNames.get(message.tool_call_id);
  if (!name) {
    throw invalidRequest(
      `No earlier assistant tool call has the id '${message.tool_call_id}'; Gemini needs the function name, which comes from that call.`,
      `messages[${i}].tool_call_id`,
    );
  }
  const text = typeof message.content === 'string' ? message.content : message.content.map((p) => p.text).join('\n');
  return { functionResponse: { name, response: { output: structured(text) } } };
}

function structured(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
