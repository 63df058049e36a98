import { invalidRequest } from '../errors/gateway-error.js';

/**
 * Parses a tool call's JSON `arguments` into the object Anthropic and Gemini want as input.
 * An empty string means no arguments. Throws a 400 naming `param` for anything but a JSON object.
 * Vendor-neutral (the Anthropic translator uses it too).
 */
export function parseToolArguments(args: string, param: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(args);
  } catch {
    throw invalidRequest('Tool call arguments must be a JSON object; this is not valid JSON.', param);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest('Tool call arguments must be a JSON object.', param);
  }
  return value as Record<string, unknown>;
}
