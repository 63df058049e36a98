import { GatewayError } from '../../errors/gateway-error.js';
import type { ParamMap } from '../param-map.js';
import { toAnthropicMessages } from './anthropic-messages.js';
import { toAnthropicParallel, toAnthropicResponseFormat, toAnthropicToolChoice, toAnthropicTools } from './anthropic-tools.js';
import type { AnthropicRequest } from './anthropic-types.js';

function unsupported(field: string, reason: string): GatewayError {
  return new GatewayError('unsupported_parameter', `'${field}' is not supported by Anthropic: ${reason}`, { param: field });
}

/**
 * Every canonical field's fate on the Anthropic Messages API. `max_tokens` is required there: the
 * translator starts from a configured default that either field below overrides.
 */
export const anthropicParamMap: ParamMap<AnthropicRequest> = {
  model: { kind: 'drop', reason: 'replaced by the target model' },
  messages: { kind: 'map', map: (messages) => toAnthropicMessages(messages) },
  // API version 2026-10-21, which @anthropic-ai/sdk 1.x sends, refuses sampling parameters on every
  // model ("Extra inputs are not permitted", even at default values). The neutral value 1 changes
  // nothing and is left out; any other value is refused rather than silently ignored.
  temperature: { kind: 'map', map: (value) => neutralOnly('temperature', value) },
  top_p: { kind: 'map', map: (value) => neutralOnly('top_p', value) },
  n: {
    kind: 'map',
    map: (n) => {
      if (n > 1) throw unsupported('n', 'it returns one choice per request');
      return {};
    },
  },
  stop: { kind: 'map', map: (stop) => ({ stop_sequences: typeof stop === 'string' ? [stop] : stop }) },
  // max_completion_tokens is OpenAI's newer name and wins when both are sent.
  max_tokens: { kind: 'map', map: (value, request) => (request.max_completion_tokens ? {} : { max_tokens: value }) },
  max_completion_tokens: { kind: 'map', map: (value) => ({ max_tokens: value }) },
  presence_penalty: { kind: 'map', map: (value) => zeroOnly('presence_penalty', value) },
  frequency_penalty: { kind: 'map', map: (value) => zeroOnly('frequency_penalty', value) },
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
      if (wanted) throw unsupported('logprobs', 'it does not return log probabilities');
      return {};
    },
  },
  top_logprobs: {
    kind: 'map',
    map: (count) => {
      if (count > 0) throw unsupported('top_logprobs', 'it does not return log probabilities');
      return {};
    },
  },
  // Decision: drop, not reject. OpenAI documents seed as best-effort only (no determinism is
  // guaranteed), so ignoring it breaks no promise, while rejecting would fail every failover of a
  // request that happens to carry one.
  seed: { kind: 'drop', reason: 'Anthropic has no seed; OpenAI promises only best-effort determinism' },
  user: { kind: 'map', map: (user) => ({ metadata: { user_id: user } }) },
  stream: { kind: 'drop', reason: 'set by the runtime' },
  stream_options: { kind: 'drop', reason: 'set by the runtime (usage always arrives in message_start/message_delta)' },
  tools: { kind: 'map', map: (tools) => (tools.length > 0 ? toAnthropicTools(tools) : {}) },
  tool_choice: { kind: 'map', map: (choice, request) => toAnthropicToolChoice(choice, request) },
  parallel_tool_calls: { kind: 'map', map: (parallel, request) => toAnthropicParallel(parallel, request) },
  response_format: { kind: 'map', map: (format, request) => toAnthropicResponseFormat(format, request) },
  reasoning_effort: {
    kind: 'reject',
    reason: 'extended thinking needs a token budget and returns thinking blocks; it is not translated',
  },
  service_tier: { kind: 'drop', reason: "OpenAI's tiers do not correspond to Anthropic's; the deployment decides" },
  store: { kind: 'drop', reason: 'OpenAI stored completions; nothing is stored at Anthropic' },
  metadata: { kind: 'drop', reason: 'OpenAI stored-completion tags; Anthropic metadata only takes user_id (from `user`)' },
};

function neutralOnly(field: 'temperature' | 'top_p', value: number): Partial<AnthropicRequest> {
  if (value !== 1) throw unsupported(field, 'its current API (2026-10-21) takes no sampling parameters; leave it unset (or 1) for Anthropic targets');
  return {};
}

/** Penalties change sampling; only their neutral value 0 can be honoured by leaving them out. */
function zeroOnly(field: 'presence_penalty' | 'frequency_penalty', value: number): Partial<AnthropicRequest> {
  if (value !== 0) throw unsupported(field, 'it has no repetition penalties');
  return {};
}
