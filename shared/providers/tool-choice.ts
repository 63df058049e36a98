import type { ChatRequest, ToolChoice } from '../canonical/chat-request.js';
import { invalidRequest } from '../errors/gateway-error.js';

/**
 * Whether a `tool_choice` has anything to say: false for none/auto without tools (nothing to choose
 * from, nothing changes). Throws a 400 for `required` without tools and for a name not in tools.
 * Vendor-neutral (Anthropic uses it too); it sits here only because this folder is the translators'.
 */
export function checkToolChoice(choice: ToolChoice, request: ChatRequest): boolean {
  const tools = request.tools ?? [];
  if (typeof choice === 'object') {
    if (!tools.some((t) => t.function.name === choice.function.name)) {
      throw invalidRequest(`tool_choice names '${choice.function.name}', which is not in tools.`, 'tool_choice');
    }
    return true;
  }
  if (tools.length > 0) return true;
  if (choice === 'required') throw invalidRequest("tool_choice 'required' needs tools.", 'tool_choice');
  return false;
}
