import Anthropic from '@anthropic-ai/sdk';
import { GatewayError } from '../../../shared/errors/gateway-error.js';
import { anthropicStreamErrorFailure } from '../../../shared/providers/anthropic/anthropic-errors.js';
import { createAnthropicTranslator } from '../../../shared/providers/anthropic/anthropic-translator.js';
import { headersToRecord } from '../../../shared/providers/retry-after.js';
import type { VendorFailure } from '../../../shared/providers/translator.js';
import { callWithTimeout } from '../call-with-timeout.js';
import { relayVendorStream, reportPartialUsage } from '../relay-vendor-stream.js';
import type { ProviderRuntime } from '../provider-runtime.js';
import { sdkFailure } from '../sdk-failure.js';
import { vendorFetch } from '../vendor-fetch.js';

export interface AnthropicRuntimeOptions {
  /** `max_tokens` sent when the client names none (the deployment's `defaultMaxTokens`). */
  defaultMaxTokens: number;
}

/**
 * Calls the Anthropic Messages API through the official SDK (`messages.create`, streaming or not).
 * The SDK's own retries are off: retry and failover policy lives in the dispatcher. Everything thrown
 * is a GatewayError classified by the pure translator, including an `error` event inside a stream.
 */
export function createAnthropicRuntime(client: Anthropic, options: AnthropicRuntimeOptions): ProviderRuntime {
  const translator = createAnthropicTranslator(options);
  const fail = (err: unknown): GatewayError => (err instanceof GatewayError ? err : translator.classifyFailure(anthropicFailure(err)));

  return {
    async complete(request, model, context, options) {
      const body = translator.toVendorRequest(request, model);
      try {
        const message = await callWithTimeout(options.signal, options.timeoutMs, (signal) =>
          // An explicit timeout also stops the SDK refusing large max_tokens without streaming.
          client.messages.create({ ...body, stream: false }, { signal, maxRetries: 0, timeout: options.timeoutMs + 1000 }),
        );
        return translator.fromVendorResponse(message, context);
      } catch (err) {
        throw fail(err);
      }
    },

    async stream(request, model, context, options, onChunk) {
      const body = translator.toVendorRequest(request, model);
      const chunks = translator.streamTranslator(context, request);
      try {
        await callWithTimeout(options.signal, options.timeoutMs, async (signal, resetTimer) => {
          const events = await client.messages.create({ ...body, stream: true }, { signal, maxRetries: 0 });
          await relayVendorStream(events, (event) => chunks.push(event), onChunk, resetTimer);
          // An SDK may end its iteration quietly when the signal aborts: finish() then finds the
          // stream incomplete, and callWithTimeout reports it as the timeout or cancellation it was.
          for (const chunk of chunks.finish()) await onChunk(chunk);
        });
        return chunks.usage();
      } catch (err) {
        reportPartialUsage(chunks.usage(), options);
        throw fail(err);
      }
    },
  };
}

/**
 * What the classifier needs from an SDK error. A mid-stream `error` event reaches us as an APIError
 * without a status whose `error` is the event body: classified by its `error.type`.
 */
function anthropicFailure(err: unknown): VendorFailure {
  if (err instanceof Anthropic.APIError && err.status === undefined) {
    const body: unknown = err.error;
    if (body && typeof body === 'object' && (body as { type?: unknown }).type === 'error') {
      return anthropicStreamErrorFailure(body, headersToRecord(err.headers));
    }
  }
  return sdkFailure(err);
}

/** Builds the SDK client for a deployment (called by entry points and tests only). */
export function createAnthropicClient(options: { apiKey: string; baseURL?: string }): Anthropic {
  return new Anthropic({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0, fetch: vendorFetch });
}
