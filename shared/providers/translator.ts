import type { ChatRequest } from '../canonical/chat-request.js';
import type { ChatCompletion, ChatCompletionChunk } from '../canonical/chat-response.js';
import type { GatewayError } from '../errors/gateway-error.js';
import type { ProviderName } from './provider-names.js';

/** What the runtime knows about a failed vendor call, handed to the pure error classifier. */
export type VendorFailure =
  | { kind: 'http'; status: number; headers: Record<string, string>; body: unknown }
  | { kind: 'timeout'; message: string }
  | { kind: 'connection'; message: string }
  | { kind: 'malformed'; message: string }
  | { kind: 'aborted'; message: string };

/** Context for building canonical responses: the id and timestamp the client sees stay ours. */
export interface ResponseContext {
  /** Our completion id (`chatcmpl-<job id>`), stable across attempts and failovers. */
  id: string;
  /** Unix seconds. */
  created: number;
}

/** Turns a vendor's stream events into OpenAI chunks; stateful per stream, otherwise pure. */
export interface StreamTranslator<VendorEvent> {
  /** Chunks for one vendor event (often zero or one). */
  push(event: VendorEvent): ChatCompletionChunk[];
  /** The usage seen so far, for the ledger even when the stream is cut. */
  usage(): ChatCompletion['usage'];
}

/**
 * The pure half of a provider: translation both ways, with no I/O. The API uses `toVendorRequest`
 * to reject what a target cannot take before anything is enqueued; workers use all of it.
 */
export interface ProviderTranslator<VendorRequest, VendorResponse, VendorEvent> {
  readonly provider: ProviderName;
  /** Throws a 400 GatewayError naming the field or part the vendor cannot take. */
  toVendorRequest(request: ChatRequest, model: string): VendorRequest;
  fromVendorResponse(response: VendorResponse, context: ResponseContext): ChatCompletion;
  streamTranslator(context: ResponseContext, request: ChatRequest): StreamTranslator<VendorEvent>;
  classifyFailure(failure: VendorFailure): GatewayError;
}
