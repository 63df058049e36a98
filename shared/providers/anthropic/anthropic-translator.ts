import type { ChatRequest } from '../../canonical/chat-request.js';
import { defaultMaxTokensSchema } from '../default-max-tokens.js';
import { applyParamMap } from '../param-map.js';
import type { ProviderTranslator, ResponseContext } from '../translator.js';
import { classifyAnthropicFailure } from './anthropic-errors.js';
import { anthropicParamMap } from './anthropic-param-map.js';
import { fromAnthropicResponse } from './anthropic-response.js';
import type { FinishingStreamTranslator } from '../finishing-stream.js';
import { anthropicStreamTranslator } from './anthropic-stream.js';
import type { AnthropicRequest, AnthropicResponse, AnthropicStreamEvent } from './anthropic-types.js';

export interface AnthropicTranslatorOptions {
  /** `max_tokens` sent when the request names none (Anthropic requires one). */
  defaultMaxTokens: number;
}

export interface AnthropicTranslator extends ProviderTranslator<AnthropicRequest, AnthropicResponse, AnthropicStreamEvent> {
  streamTranslator(context: ResponseContext, request: ChatRequest): FinishingStreamTranslator<AnthropicStreamEvent>;
}

/**
 * The pure Anthropic Messages translator. The only setting is the `max_tokens` default, owned by the
 * deployment config and passed in by whoever builds the runtime.
 */
export function createAnthropicTranslator(options: AnthropicTranslatorOptions): AnthropicTranslator {
  return {
    provider: 'anthropic',
    toVendorRequest(request, model) {
      const base: Partial<AnthropicRequest> = { model, max_tokens: options.defaultMaxTokens };
      return applyParamMap(anthropicParamMap, request, base) as AnthropicRequest;
    },
    fromVendorResponse: fromAnthropicResponse,
    streamTranslator: (context, request) => anthropicStreamTranslator(context, isJsonMode(request)),
    classifyFailure: (failure) => classifyAnthropicFailure(failure),
  };
}

/** Whether the request's answer comes through the forced JSON tool (see `JSON_RESPONSE_TOOL`). */
export function isJsonMode(request: ChatRequest): boolean {
  const type = request.response_format?.type;
  return type === 'json_object' || type === 'json_schema';
}

/**
 * The translator the API uses to validate requests before enqueueing, with the deployment schema's
 * `defaultMaxTokens` default. Workers build theirs from each deployment's setting.
 */
export const anthropicTranslator: AnthropicTranslator = createAnthropicTranslator({
  defaultMaxTokens: defaultMaxTokensSchema.parse(undefined),
});
