import { FunctionCallingConfigMode } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { chatRequestSchema } from '../../canonical/chat-request.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { geminiTranslator } from './gemini-translator.js';
import type { GeminiRequest } from './gemini-types.js';

const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

function translate(body: Record<string, unknown>): GeminiRequest {
  return geminiTranslator.toVendorRequest(chatRequestSchema.parse({ model: 'alias', messages: [{ role: 'user', content: 'hi' }], ...body }), 'gemini-test');
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

describe('Gemini parameter map: fields that map into config', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['temperature', { temperature: 1.5 }, { temperature: 1.5 }],
    ['top_p → topP', { top_p: 0.9 }, { topP: 0.9 }],
    ['n → candidateCount', { n: 3 }, { candidateCount: 3 }],
    ['stop string → stopSequences', { stop: 'END' }, { stopSequences: ['END'] }],
    ['max_tokens → maxOutputTokens', { max_tokens: 10 }, { maxOutputTokens: 10 }],
    ['max_completion_tokens wins over max_tokens', { max_tokens: 10, max_completion_tokens: 20 }, { maxOutputTokens: 20 }],
    ['penalties', { presence_penalty: 0.5, frequency_penalty: -0.5 }, { presencePenalty: 0.5, frequencyPenalty: -0.5 }],
    ['seed', { seed: 42 }, { seed: 42 }],
    ['reasoning_effort → thinking budget', { reasoning_effort: 'medium' }, { thinkingConfig: { thinkingBudget: 8192 } }],
    ['json_object → responseMimeType', { response_format: { type: 'json_object' } }, { responseMimeType: 'application/json' }],
    [
      'json_schema → responseMimeType + responseJsonSchema',
      { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { const: 'b' } } } } } },
      { responseMimeType: 'application/json', responseJsonSchema: { type: 'object', properties: { a: { enum: ['b'] } } } },
    ],
    [
      'tools → one tool of functionDeclarations with parametersJsonSchema',
      { tools: [weather, { type: 'function', function: { name: 'ping' } }] },
      { tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather', parametersJsonSchema: weather.function.parameters }, { name: 'ping' }] }] },
    ],
    ['tool_choice none → NONE', { tools: [weather], tool_choice: 'none' }, { toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } } }],
    ['tool_choice auto → AUTO', { tools: [weather], tool_choice: 'auto' }, { toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.AUTO } } }],
    ['tool_choice required → ANY', { tools: [weather], tool_choice: 'required' }, { toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } } }],
    [
      'tool_choice named → ANY limited to it',
      { tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } },
      { toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_weather'] } } },
    ],
  ])('%s', (_name, body, config) => {
    expect(translate(body).config).toMatchObject(config);
  });

  it.each<[string, Record<string, unknown>]>([
    ['user is dropped', { user: 'u' }],
    ['stream and stream_options are set by the runtime', { stream: true, stream_options: { include_usage: true } }],
    ['service_tier, store and metadata are dropped', { service_tier: 'auto', store: true, metadata: { a: 'b' } }],
    ['parallel_tool_calls true is Gemini\'s behaviour anyway', { parallel_tool_calls: true }],
    ['response_format text adds nothing', { response_format: { type: 'text' } }],
    ['tool_choice none or auto without tools means nothing', { tool_choice: 'auto' }],
  ])('%s', (_name, body) => {
    expect(translate(body).config).toEqual({});
  });
});

describe('Gemini parameter map: fields refused with a 400 naming them', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['logit_bias', { logit_bias: { '1': 2 } }, 'logit_bias'],
    ['logprobs', { logprobs: true }, 'logprobs'],
    ['top_logprobs', { top_logprobs: 3 }, 'top_logprobs'],
    ['parallel_tool_calls false', { tools: [weather], parallel_tool_calls: false }, 'parallel_tool_calls'],
    ['tool_choice required without tools', { tool_choice: 'required' }, 'tool_choice'],
    ['a named tool_choice that is not in tools', { tools: [weather], tool_choice: { type: 'function', function: { name: 'x' } } }, 'tool_choice'],
    [
      'a tool schema keyword Gemini cannot enforce',
      { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { not: { type: 'string' } } } } } }] },
      'tools[0].function.parameters.properties.a.not',
    ],
    [
      'a response schema with a multi-part allOf',
      { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { allOf: [{ type: 'object' }, { required: ['a'] }] } } } },
      'response_format.json_schema.schema.allOf',
    ],
  ])('%s', (_name, body, param) => {
    const err = rejection(body);
    expect([err.status, err.param]).toEqual([400, param]);
  });
});
