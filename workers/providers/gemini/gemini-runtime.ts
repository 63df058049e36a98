import { GoogleGenAI } from '@google/genai';
import { GatewayError } from '../../../shared/errors/gateway-error.js';
import { geminiTranslator } from '../../../shared/providers/gemini/gemini-translator.js';
import type { VendorFailure } from '../../../shared/providers/translator.js';
import { callWithTimeout } from '../call-with-timeout.js';
import { relayVendorStream, reportPartialUsage } from '../relay-vendor-stream.js';
import type { ProviderRuntime } from '../provider-runtime.js';
import { sdkFailure } from '../sdk-failure.js';
import { vendorFetch } from '../vendor-fetch.js';

/**
 * Calls Gemini through the official @google/genai SDK (`models.generateContent` and
 * `generateContentStream`, the latter over `:streamGenerateContent?alt=sse`). The SDK retries only
 * when given `retryOptions`, which we never set: retry and failover policy lives in the dispatcher.
 */
export function createGeminiRuntime(client: GoogleGenAI): ProviderRuntime {
  const translator = geminiTranslator;
  const fail = (err: unknown): GatewayError => (err instanceof GatewayError ? err : translator.classifyFailure(geminiFailure(err)));

  return {
    async complete(request, model, context, options) {
      const params = translator.toVendorRequest(request, model);
      try {
        const response = await callWithTimeout(options.signal, options.timeoutMs, (signal) =>
          client.models.generateContent({ ...params, config: { ...params.config, abortSignal: signal, httpOptions: { timeout: options.timeoutMs + 1000 } } }),
        );
        return translator.fromResponse(response, context, model);
      } catch (err) {
        throw fail(err);
      }
    },

    async stream(request, model, context, options, onChunk) {
      const params = translator.toVendorRequest(request, model);
      const chunks = translator.streamFor(context, model);
      try {
        await callWithTimeout(options.signal, options.timeoutMs, async (signal, resetTimer) => {
          // No httpOptions.timeout here: the SDK keeps it armed while the body streams, which would cut long answers.
          const events = await client.models.generateContentStream({ ...params, config: { ...params.config, abortSignal: signal } });
          await relayVendorStream(events, (event) => chunks.push(event), onChunk, resetTimer);
          // Ended without a finish reason (cut, or aborted): finish() throws, never a silent success.
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
 * What the classifier needs from a genai error. Its ApiError carries the status and, as its message,
 * either the JSON body or, for an error inside a stream, "got status: X. <json>": the JSON is
 * recovered from the message either way. genai errors carry no headers.
 */
function geminiFailure(err: unknown): VendorFailure {
  const failure = sdkFailure(err);
  if (failure.kind !== 'http' || failure.body !== null) return failure;
  const message = err instanceof Error ? err.message : '';
  const start = message.indexOf('{');
  if (start < 0) return failure;
  try {
    return { ...failure, body: JSON.parse(message.slice(start)) as unknown };
  } catch {
    return failure;
  }
}

/** Builds the SDK client for a deployment (called by entry points and tests only). */
export function createGeminiClient(options: { apiKey: string; baseURL?: string }): GoogleGenAI {
  return new GoogleGenAI({ apiKey: options.apiKey, httpOptions: { fetch: vendorFetch, ...(options.baseURL ? { baseUrl: options.baseURL } : {}) } });
}
