import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ChatCompletion, ChatCompletionChunk } from '../../canonical/chat-response.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { ErrorCode } from '../../errors/error-codes.js';
import { applyParamMap } from '../param-map.js';
import type { ProviderTranslator, VendorFailure } from '../translator.js';
import { transportFailure } from '../transport-failure.js';
import { retryAfterMsFromHeaders } from '../retry-after.js';
import { openAIParamMap } from './openai-param-map.js';

/**
 * OpenAI (and any OpenAI-compatible endpoint). Responses are already canonical; we only replace
 * the id and created time with ours so the client's id is stable across failovers.
 */
export const openAITranslator: ProviderTranslator<ChatCompletionCreateParamsNonStreaming, unknown, unknown> = {
  provider: 'openai',

  toVendorRequest(request, model) {
    const body = applyParamMap(openAIParamMap, request, { model });
    return body as ChatCompletionCreateParamsNonStreaming;
  },

  fromVendorResponse(response, context) {
    const completion = response as ChatCompletion;
    if (!completion || !Array.isArray(completion.choices)) {
      throw new GatewayError('server_error', 'The provider returned a malformed completion');
    }
    return { ...completion, id: context.id, created: context.created };
  },

  streamTranslator(context) {
    let usage: ChatCompletion['usage'];
    return {
      push(event) {
        const chunk = event as ChatCompletionChunk;
        if (!chunk || !Array.isArray(chunk.choices)) return [];
        if (chunk.usage) usage = chunk.usage;
        // Usage is always requested from the vendor; whether the client sees it is the API's call
        // (stream_options.include_usage), so the vendor's usage chunk and fields stop here.
        if (chunk.choices.length === 0) return [];
        const { usage: _usage, ...rest } = chunk;
        return [{ ...rest, id: context.id, created: context.created }];
      },
      usage: () => usage,
    };
  },

  classifyFailure: classifyOpenAIFailure,
};

/** Maps an OpenAI-style failure to our codes (also used by openai-compatible servers). */
export function classifyOpenAIFailure(failure: VendorFailure): GatewayError {
  if (failure.kind !== 'http') return transportFailure(failure);
  const { status, headers, body } = failure;
  // The SDK hands us the inner error object; a raw HTTP body wraps it in `error`.
  type VendorError = { message?: unknown; code?: unknown; type?: unknown; param?: unknown };
  const wrapped = body as { error?: VendorError } | null;
  const error: VendorError | null | undefined = wrapped && typeof wrapped.error === 'object' ? wrapped.error : (body as VendorError | null);
  const vendorMessage = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  const vendorCode = typeof error?.code === 'string' ? error.code : '';
  const retryAfterMs = retryAfterMsFromHeaders(headers);
  const code = openAICode(status, vendorCode, vendorMessage);
  const param = typeof error?.param === 'string' ? error.param : null;
  return new GatewayError(code, `Provider error: ${redactKeys(vendorMessage)}`, { vendorStatus: status, retryAfterMs, param });
}

function openAICode(status: number, vendorCode: string, message: string): ErrorCode {
  if (vendorCode === 'context_length_exceeded' || /maximum context length/i.test(message)) return 'context_length_exceeded';
  if (vendorCode === 'content_filter' || vendorCode === 'content_policy_violation') return 'content_filter';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'invalid_request';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 529) return 'overloaded';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}

/** Vendors echo part of a wrong key in 401 messages; never pass any of it on. */
export function redactKeys(message: string): string {
  return message.replace(/\b(sk|sy|key|AIza)[-_A-Za-z0-9*]{8,}/g, '[redacted]');
}
