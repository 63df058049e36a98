import type { ChatRequest } from '../../shared/canonical/chat-request.js';
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../../shared/canonical/chat-response.js';
import type { ResponseContext } from '../../shared/providers/translator.js';

export interface CallOptions {
  /** Aborts the vendor call: client disconnect, job cancel, or worker shutdown. */
  signal: AbortSignal;
  /**
   * Whole-call timeout for non-streaming calls. For streams: the bound on the time to the first chunk
   * that carries part of the answer (role-only chunks and keep-alive events do not count), and from
   * then on on the silence between two vendor events.
   */
  timeoutMs: number;
  /** Streams: told the usage the vendor had reported when a stream fails, so a cut stream is still charged. */
  onPartialUsage?: (usage: Usage) => void;
}

/**
 * The thin I/O half of a provider: one vendor SDK client, the call, timeouts and cancellation.
 * Everything it throws is a GatewayError classified by the provider's pure translator.
 */
export interface ProviderRuntime {
  complete(request: ChatRequest, model: string, context: ResponseContext, options: CallOptions): Promise<ChatCompletion>;
  /**
   * Streams canonical chunks to `onChunk` (awaited, so a slow consumer slows the vendor read) and
   * resolves with the final usage. Throws before or after the first chunk; callers check which.
   */
  stream(
    request: ChatRequest,
    model: string,
    context: ResponseContext,
    options: CallOptions,
    onChunk: (chunk: ChatCompletionChunk) => Promise<void> | void,
  ): Promise<Usage | undefined>;
}
