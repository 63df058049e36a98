import type { ChatRequest } from '../../canonical/chat-request.js';
import type { ChatCompletion } from '../../canonical/chat-response.js';
import { applyParamMap } from '../param-map.js';
import type { ProviderTranslator, ResponseContext } from '../translator.js';
import type { FinishingStreamTranslator } from '../finishing-stream.js';
import { classifyGeminiFailure } from './gemini-errors.js';
import { geminiParamMap } from './gemini-param-map.js';
import { fromGeminiResponse } from './gemini-response.js';
import { geminiStreamTranslator } from './gemini-stream.js';
import type { GeminiFlatBody, GeminiRequest, GeminiResponse } from './gemini-types.js';

export interface GeminiTranslator extends ProviderTranslator<GeminiRequest, GeminiResponse, GeminiResponse> {
  /** As `fromVendorResponse`, naming the model asked for in case the response carries no `modelVersion`. */
  fromResponse(response: GeminiResponse, context: ResponseContext, model: string): ChatCompletion;
  /** As `streamTranslator`, with the model asked for as the fallback `model` of chunks. */
  streamFor(context: ResponseContext, model: string): FinishingStreamTranslator<GeminiResponse>;
}

/**
 * The pure Gemini translator: requests in the @google/genai SDK's shape (`{model, contents, config}`),
 * responses and stream chunks as the SDK returns them (the REST JSON, camelCase).
 */
export const geminiTranslator: GeminiTranslator = {
  provider: 'gemini',
  toVendorRequest(request, model) {
    const { contents, ...config } = applyParamMap(geminiParamMap, request, {}) as GeminiFlatBody;
    return { model, contents, config };
  },
  fromVendorResponse: (response, context) => fromGeminiResponse(response, context),
  fromResponse: fromGeminiResponse,
  streamTranslator: (context: ResponseContext, request: ChatRequest) => geminiStreamTranslator(context, request.model),
  streamFor: geminiStreamTranslator,
  classifyFailure: classifyGeminiFailure,
};
