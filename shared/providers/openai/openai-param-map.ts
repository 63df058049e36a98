import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import type { ParamMap } from '../param-map.js';

/**
 * OpenAI speaks the canonical format, so nearly every field is copied. `stream` and
 * `stream_options` are set by the runtime (usage is always requested so the ledger is exact).
 */
export const openAIParamMap: ParamMap<ChatCompletionCreateParams> = {
  model: { kind: 'drop', reason: 'replaced by the target model' },
  messages: { kind: 'copy' },
  temperature: { kind: 'copy' },
  top_p: { kind: 'copy' },
  n: { kind: 'copy' },
  stop: { kind: 'copy' },
  max_tokens: { kind: 'copy' },
  max_completion_tokens: { kind: 'copy' },
  presence_penalty: { kind: 'copy' },
  frequency_penalty: { kind: 'copy' },
  logit_bias: { kind: 'copy' },
  logprobs: { kind: 'copy' },
  top_logprobs: { kind: 'copy' },
  seed: { kind: 'copy' },
  user: { kind: 'copy' },
  stream: { kind: 'drop', reason: 'set by the runtime' },
  stream_options: { kind: 'drop', reason: 'set by the runtime' },
  tools: { kind: 'copy' },
  tool_choice: { kind: 'copy' },
  parallel_tool_calls: { kind: 'copy' },
  response_format: { kind: 'copy' },
  reasoning_effort: { kind: 'copy' },
  service_tier: { kind: 'copy' },
  store: { kind: 'copy' },
  metadata: { kind: 'copy' },
};
