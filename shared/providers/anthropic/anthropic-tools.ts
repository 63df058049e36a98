import type { ChatRequest, FunctionTool, ResponseFormat, ToolChoice } from '../../canonical/chat-request.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import { checkToolChoice } from '../tool-choice.js';
import type { AnthropicRequest } from './anthropic-types.js';

/**
 * The tool behind `response_format` json_object / json_schema on Anthropic. Its native structured
 * output (`output_config.format`) exists on newer models only; a forced tool call works on all of
 * them: the request offers only this tool, forces it with `tool_choice`, and its `tool_use` input
 * becomes the message content (finish_reason `stop`, no tool_calls). Client tools may not take this
 * name, so a tool_use carrying it can only be this strategy's.
 */
export const JSON_RESPONSE_TOOL = 'switchyard_json_response';

type AnthropicToolChoice = NonNullable<AnthropicRequest['tool_choice']>;
type AnthropicTool = Extract<NonNullable<AnthropicRequest['tools']>[number], { input_schema: unknown }>;

/** `tools[].function` → Anthropic tools with `input_schema` (which must describe an object). */
export function toAnthropicTools(tools: readonly FunctionTool[]): Pick<AnthropicRequest, 'tools'> {
  return {
    tools: tools.map(({ function: fn }, i): AnthropicTool => {
      if (fn.name === JSON_RESPONSE_TOOL) throw invalidRequest(`The tool name '${JSON_RESPONSE_TOOL}' is reserved.`, `tools[${i}].function.name`);
      const tool: AnthropicTool = { name: fn.name, input_schema: objectSchema(fn.parameters, `tools[${i}].function.parameters`) };
      if (fn.description !== undefined) tool.description = fn.description;
      if (fn.strict) tool.strict = true;
      return tool;
    }),
  };
}

/**
 * `tool_choice` (with `parallel_tool_calls: false` folded in) → Anthropic's `tool_choice`. Without
 * tools, none and auto mean nothing and are left out; required or a name cannot be met (400).
 */
export function toAnthropicToolChoice(choice: ToolChoice, request: ChatRequest): Partial<Pick<AnthropicRequest, 'tool_choice'>> {
  if (!checkToolChoice(choice, request)) return {};
  const serial = request.parallel_tool_calls === false;
  const base: AnthropicToolChoice =
    choice === 'none'
      ? { type: 'none' }
      : choice === 'auto'
        ? { type: 'auto' }
        : choice === 'required'
          ? { type: 'any' }
          : { type: 'tool', name: choice.function.name };
  return { tool_choice: serial && base.type !== 'none' ? { ...base, disable_parallel_tool_use: true } : base };
}

/**
 * `parallel_tool_calls: false` without a `tool_choice` → auto with parallel use disabled. With a
 * `tool_choice`, {@link toAnthropicToolChoice} folds it in; without tools there is nothing to limit.
 */
export function toAnthropicParallel(parallel: boolean, request: ChatRequest): Pick<AnthropicRequest, 'tool_choice'> {
  if (parallel || request.tool_choice !== undefined || !request.tools?.length) return {};
  return { tool_choice: { type: 'auto', disable_parallel_tool_use: true } };
}

/** `response_format` → nothing for text, else the forced {@link JSON_RESPONSE_TOOL}. */
export function toAnthropicResponseFormat(format: ResponseFormat, request: ChatRequest): Partial<AnthropicRequest> {
  if (format.type === 'text') return {};
  if (request.tools?.length) {
    throw new GatewayError(
      'unsupported_parameter',
      'On Anthropic, JSON response_format is served by a forced tool call, so it cannot be combined with tools.',
      { param: 'response_format' },
    );
  }
  const schema = format.type === 'json_schema' ? format.json_schema.schema : undefined;
  const description =
    format.type === 'json_schema'
      ? `Give the final answer as this tool's input: ${format.json_schema.description ?? format.json_schema.name}.`
      : 'Give the final answer as a JSON object, as this tool\'s input.';
  return {
    tools: [{ name: JSON_RESPONSE_TOOL, description, input_schema: schema ? objectSchema(schema, 'response_format.json_schema.schema') : ANY_OBJECT }],
    tool_choice: { type: 'tool', name: JSON_RESPONSE_TOOL, disable_parallel_tool_use: true },
  };
}

/** json_object: any object at all (an empty `properties` would invite `{}`). */
const ANY_OBJECT: AnthropicTool['input_schema'] = { type: 'object', additionalProperties: true };

/** Anthropic input schemas must describe an object; no schema means "no arguments". */
function objectSchema(schema: Record<string, unknown> | undefined, param: string): AnthropicTool['input_schema'] {
  if (schema === undefined) return { type: 'object', properties: {} };
  if (schema.type !== 'object') throw invalidRequest("Anthropic needs this schema's root to be {\"type\": \"object\"}.", param);
  return { ...schema, type: 'object' };
}
