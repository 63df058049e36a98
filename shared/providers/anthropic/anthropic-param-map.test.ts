import { describe, expect, it } from 'vitest';
import { chatRequestSchema } from '../../canonical/chat-request.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { createAnthropicTranslator } from './anthropic-translator.js';
import { JSON_RESPONSE_TOOL } from './anthropic-tools.js';
import type { AnthropicRequest } from './anthropic-types.js';

const translator = createAnthropicTranslator({ defaultMaxTokens: 777 });
const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

function translate(body: Record<string, unknown>): AnthropicRequest {
  return translator.toVendorRequest(chatRequestSchema.parse({ model: 'alias', messages: [{ role: 'user', content: 'hi' }], ...body }), 'claude-test');
}
function rejection(body: Record<string, unknown>): GatewayError {
  try {
    translate(body);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('Anthropic parameter map: fields that map', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['no max_tokens → the configured default', {}, { max_tokens: 777 }],
    ['max_tokens', { max_tokens: 50 }, { max_tokens: 50 }],
    ['max_completion_tokens wins over max_tokens', { max_tokens: 50, max_completion_tokens: 60 }, { max_tokens: 60 }],
    ['stop as a string', { stop: 'END' }, { stop_sequences: ['END'] }],
    ['stop as a list', { stop: ['a', 'b'] }, { stop_sequences: ['a', 'b'] }],
    ['user → metadata.user_id', { user: 'u-1' }, { metadata: { user_id: 'u-1' } }],
    ['tools → input_schema', { tools: [weather] }, { tools: [{ name: 'get_weather', input_schema: weather.function.parameters }] }],
    [
      'a tool without parameters → an empty object schema; description and strict kept',
      { tools: [{ type: 'function', function: { name: 'ping', description: 'Ping', strict: true } }] },
      { tools: [{ name: 'ping', description: 'Ping', strict: true, input_schema: { type: 'object', properties: {} } }] },
    ],
    ['tool_choice none', { tools: [weather], tool_choice: 'none' }, { tool_choice: { type: 'none' } }],
    ['tool_choice auto', { tools: [weather], tool_choice: 'auto' }, { tool_choice: { type: 'auto' } }],
    ['tool_choice required → any', { tools: [weather], tool_choice: 'required' }, { tool_choice: { type: 'any' } }],
    ['tool_choice named → tool', { tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }, { tool_choice: { type: 'tool', name: 'get_weather' } }],
    [
      'parallel_tool_calls false folds into tool_choice',
      { tools: [weather], tool_choice: 'required', parallel_tool_calls: false },
      { tool_choice: { type: 'any', disable_parallel_tool_use: true } },
    ],
    ['parallel_tool_calls false alone → auto without parallel use', { tools: [weather], parallel_tool_calls: false }, { tool_choice: { type: 'auto', disable_parallel_tool_use: true } }],
    [
      'response_format json_schema → one forced tool whose input_schema is the schema',
      { response_format: { type: 'json_schema', json_schema: { name: 'city', schema: { type: 'object', properties: { name: { type: 'string' } } } } } },
      {
        tools: [{ name: JSON_RESPONSE_TOOL, description: expect.stringContaining('city'), input_schema: { type: 'object', properties: { name: { type: 'string' } } } }],
        tool_choice: { type: 'tool', name: JSON_RESPONSE_TOOL, disable_parallel_tool_use: true },
      },
    ],
    [
      'response_format json_object → the forced tool with any object',
      { response_format: { type: 'json_object' } },
      { tools: [{ name: JSON_RESPONSE_TOOL, description: expect.any(String), input_schema: { type: 'object', additionalProperties: true } }] },
    ],
  ])('%s', (_name, body, expected) => {
    expect(translate(body)).toMatchObject(expected);
  });

  it.each<[string, Record<string, unknown>, keyof AnthropicRequest | 'temperature' | 'top_p' | 'seed']>([
    ['seed is dropped (best-effort in OpenAI; Anthropic has none)', { seed: 7 }, 'seed'],
    ['temperature 1 (neutral) is left out', { temperature: 1 }, 'temperature'],
    ['top_p 1 (neutral) is left out', { top_p: 1 }, 'top_p'],
    ['response_format text adds nothing', { response_format: { type: 'text' } }, 'tools'],
    ['tool_choice auto without tools means nothing', { tool_choice: 'auto' }, 'tool_choice'],
    ['tool_choice none without tools means nothing, even with JSON mode', { tool_choice: 'none', response_format: { type: 'text' } }, 'tool_choice'],
    ['n 1 is accepted', { n: 1 }, 'tools'],
    ['zero penalties are accepted', { presence_penalty: 0, frequency_penalty: 0 }, 'tools'],
    ['stream, service_tier, store and metadata are left to the runtime or dropped', { stream: true, service_tier: 'auto', store: true, metadata: { a: 'b' } }, 'stream'],
  ])('%s', (_name, body, absent) => {
    const keys = Object.keys(translate(body));
    expect(keys).not.toContain(absent);
    expect(keys).not.toContain('metadata');
  });
});

describe('Anthropic parameter map: fields refused with a 400 naming them', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['n > 1', { n: 2 }, 'n'],
    ['temperature other than 1 (API 2026-10-21 takes no sampling parameters)', { temperature: 0.2 }, 'temperature'],
    ['top_p other than 1', { top_p: 0.5 }, 'top_p'],
    ['presence_penalty', { presence_penalty: 0.5 }, 'presence_penalty'],
    ['frequency_penalty', { frequency_penalty: -1 }, 'frequency_penalty'],
    ['logit_bias', { logit_bias: { '42': 10 } }, 'logit_bias'],
    ['logprobs', { logprobs: true }, 'logprobs'],
    ['top_logprobs', { top_logprobs: 2 }, 'top_logprobs'],
    ['reasoning_effort', { reasoning_effort: 'low' }, 'reasoning_effort'],
    ['JSON response_format with tools', { tools: [weather], response_format: { type: 'json_object' } }, 'response_format'],
    ['a json_schema whose root is not an object', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'array' } } } }, 'response_format.json_schema.schema'],
    ['a tool schema whose root is not an object', { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] }, 'tools[0].function.parameters'],
    ['the reserved JSON tool name', { tools: [{ type: 'function', function: { name: JSON_RESPONSE_TOOL } }] }, 'tools[0].function.name'],
    ['tool_choice required without tools', { tool_choice: 'required' }, 'tool_choice'],
    ['a named tool_choice that is not in tools', { tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice'],
  ])('%s', (_name, body, param) => {
    const err = rejection(body);
    expect([err.status, err.param]).toEqual([400, param]);
  });
});
