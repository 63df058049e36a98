import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from '../../../shared/canonical/chat-response.js';
import { GatewayError } from '../../../shared/errors/gateway-error.js';
import { openAITranslator } from '../../../shared/providers/openai/openai-translator.js';
import { callWithTimeout } from '../call-with-timeout.js';
import { relayVendorStream, reportPartialUsage } from '../relay-vendor-stream.js';
import type { ProviderRuntime } from '../provider-runtime.js';
import { sdkFailure } from '../sdk-failure.js';
import { vendorFetch } from '../vendor-fetch.js';

/**
 * Calls OpenAI or any OpenAI-compatible server through the official `openai` SDK. The SDK's own
 * retries are off: retry and failover policy lives in the dispatcher, in one place.
 */
export function createOpenAIRuntime(client: OpenAI): ProviderRuntime {
  const translator = openAITranslator;
  const fail = (err: unknown): GatewayError => (err instanceof GatewayError ? err : translator.classifyFailure(sdkFailure(err)));

  return {
    async complete(request, model, context, options) {
      const body = translator.toVendorRequest(request, model);
      try {
        const response = await callWithTimeout(options.signal, options.timeoutMs, (signal) =>
          client.chat.completions.create({ ...body, stream: false }, { signal, maxRetries: 0, timeout: options.timeoutMs + 1000 }),
        );
        return translator.fromVendorResponse(response, context);
      } catch (err) {
        throw fail(err);
      }
    },

    async stream(request, model, context, options, onChunk) {
      const body = translator.toVendorRequest(request, model);
      const chunks = translator.streamTranslator(context, request);
      try {
        await callWithTimeout(options.signal, options.timeoutMs, async (signal, resetTimer) => {
          const stream = await client.chat.completions.create(
            { ...body, stream: true, stream_options: { include_usage: true } },
            { signal, maxRetries: 0 },
          );
          let finished = false;
          const translate = (event: unknown): ChatCompletionChunk[] => {
            const out = chunks.push(event) as ChatCompletionChunk[];
            if (out.some((c) => c.choices.some((choice) => choice.finish_reason != null))) finished = true;
            return out;
          };
          await relayVendorStream(stream, translate, onChunk, resetTimer);
          // The SDK ends its iteration quietly when the signal aborts: callWithTimeout reports this
          // as the timeout or cancellation it was. A stream that ends without a finish reason was cut.
          if (signal.aborted) throw new Error('The stream was aborted');
          if (!finished) throw new GatewayError('server_error', 'The OpenAI stream ended without a finish reason');
        });
        return chunks.usage();
      } catch (err) {
        reportPartialUsage(chunks.usage(), options);
        throw fail(err);
      }
    },
  };
}

/** Builds the SDK client for a deployment (called by entry points and tests only). */
export function createOpenAIClient(options: { apiKey: string; baseURL?: string }): OpenAI {
  return new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0, fetch: vendorFetch });
}

export type { ChatCompletion };
