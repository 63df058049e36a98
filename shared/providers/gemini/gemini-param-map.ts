import { GatewayError } from '../../errors/gateway-error.js';
import type { ParamMap } from '../param-map.js';
import { toGeminiContents } from './gemini-contents.js';
import { toGeminiResponseFormat, toGeminiToolChoice, toGeminiTools } from './gemini-tools.js';
import type { GeminiFlatBody } from './gemini-types.js';

function unsupported(field: string, reason: string): GatewayError {
  return new GatewayError('unsupported_parameter', `'${field}' is not supported by Gemini: ${reason}`, { param: field });
}

/**
 * Google's own OpenAI-compatibility mapping of `reasoning_effort` to thinking budgets (tokens);
 * `minimal` turns thinking off where the model allows it (others answer 400, classified as such).
 */
const THINKING_BUDGET = { minimal: 0, low: 1024, medium: 8192, high: 24576 } as const;

/** Every canonical field's fate on Gemini's generateContent (the SDK's flat `config` plus `contents`). */
export const geminiParamMap: ParamMap<GeminiFlatBody> = {
  model: { kind: 'drop', reason: 'replaced by the target model' },
  messages: { kind: 'map', map: (messages) => toGeminiContents(messages) },
  temperature: { kind: 'copy' },
  top_p: { kind: 'map', map: (topP) => ({ topP }) },
  n: { kind: 'map', map: (n) => ({ candidateCount: n }) },
  stop: { kind: 'map', map: (stop) => ({ stopSequences: typeof stop === 'string' ? [stop] : stop }) },
  // max_completion_tokens is OpenAI's newer name and wins when both are sent.
  max_tokens: { kind: 'map', map: (value, request) => (request.max_completion_tokens ? {} : { maxOutputTokens: value }) },
  max_completion_tokens: { kind: 'map', map: (value) => ({ maxOutputTokens: value }) },
  presence_penalty: { kind: 'map', map: (presencePenalty) => ({ presencePenalty }) },
  frequency_penalty: { kind: 'map', map: (frequencyPenalty) => ({ frequencyPenalty }) },
  logit_bias: {
    kind: 'map',
    map: (bias) => {
      if (Object.keys(bias).length > 0) throw unsupported('logit_bias', 'it has no token biasing');
      return {};
    },
  },
  logprobs: {
    kind: 'map',
    map: (wanted) => {
      if (wanted) throw unsupported('logprobs', 'its log probabilities are not translated to the OpenAI shape');
      return {};
    },
  },
  top_logprobs: {
    kind: 'map',
    map: (count) => {
      if (count > 0) throw unsupported('top_logprobs', 'its log probabilities are not translated to the OpenAI shape');
      return {};
    },
  },
  seed: { kind: 'copy' },
  user: { kind: 'drop', reason: 'Gemini has no end-user field; it only serves the vendor\'s abuse monitoring' },
  stream: { kind: 'drop', reason: 'set by the runtime (generateContent or generateContentStream)' },
  stream_options: { kind: 'drop', reason: 'usage always arrives in usageMetadata' },
  tools: { kind: 'map', map: (tools) => (tools.length > 0 ? toGeminiTools(tools) : {}) },
  tool_choice: { kind: 'map', map: (choice, request) => toGeminiToolChoice(choice, request) },
  parallel_tool_calls: {
    kind: 'map',
    // Gemini has no switch for it: true is its behaviour anyway; false cannot be honoured.
    map: (parallel) => {
      if (!parallel) throw unsupported('parallel_tool_calls', 'it cannot be told to call at most one function');
      return {};
    },
  },
  response_format: { kind: 'map', map: (format) => toGeminiResponseFormat(format) },
  reasoning_effort: { kind: 'map', map: (effort) => ({ thinkingConfig: { thinkingBudget: THINKING_BUDGET[effort] } }) },
  service_tier: { kind: 'drop', reason: "OpenAI's tiers do not correspond to Gemini's; the deployment decides" },
  store: { kind: 'drop', reason: 'OpenAI stored completions; nothing is stored at Gemini' },
  metadata: { kind: 'drop', reason: 'OpenAI stored-completion tags; Gemini labels exist only on Vertex AI' },
};
