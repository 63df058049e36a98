import { FunctionCallingConfigMode, type FunctionDeclaration } from '@google/genai';
import type { ChatRequest, FunctionTool, ResponseFormat, ToolChoice } from '../../canonical/chat-request.js';
import { toGeminiSchema } from './gemini-schema.js';
import { checkToolChoice } from '../tool-choice.js';
import type { GeminiFlatBody } from './gemini-types.js';

/**
 * `tools[].function` → one Gemini tool of `functionDeclarations`. Parameters go as
 * `parametersJsonSchema` (JSON Schema, which the recordings show Gemini accepting with `$schema`,
 * `additionalProperties`, `pattern`…), adapted by {@link toGeminiSchema}. `strict` has no Gemini
 * counterpart and is not sent.
 */
export function toGeminiTools(tools: readonly FunctionTool[]): Pick<GeminiFlatBody, 'tools'> {
  const functionDeclarations = tools.map(({ function: fn }, i): FunctionDeclaration => {
    const declaration: FunctionDeclaration = { name: fn.name };
    if (fn.description !== undefined) declaration.description = fn.description;
    if (fn.parameters !== undefined) declaration.parametersJsonSchema = toGeminiSchema(fn.parameters, `tools[${i}].function.parameters`);
    return declaration;
  });
  return { tools: [{ functionDeclarations }] };
}

/**
 * `tool_choice` → `toolConfig.functionCallingConfig`: none → NONE, auto → AUTO, required → ANY,
 * named → ANY of that one. Without tools, none and auto are left out (see `checkToolChoice`).
 */
export function toGeminiToolChoice(choice: ToolChoice, request: ChatRequest): Partial<Pick<GeminiFlatBody, 'toolConfig'>> {
  if (!checkToolChoice(choice, request)) return {};
  if (choice === 'none') return { toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } } };
  if (choice === 'auto') return { toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.AUTO } } };
  if (choice === 'required') return { toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } } };
  return { toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: [choice.function.name] } } };
}

/** `response_format` → `responseMimeType` (+ `responseJsonSchema` for json_schema). */
export function toGeminiResponseFormat(format: ResponseFormat): Partial<GeminiFlatBody> {
  if (format.type === 'text') return {};
  const schema = format.type === 'json_schema' ? format.json_schema.schema : undefined;
  return {
    responseMimeType: 'application/json',
    ...(schema ? { responseJsonSchema: toGeminiSchema(schema, 'response_format.json_schema.schema') } : {}),
  };
}
