/**
 * The part of a chat completion request the cache reads, as a structural type.
 *
 * `ChatRequest` (shared/canonical/chat-request.ts) is assignable to it (checked in
 * cache-request.test.ts), so the cache does not depend on every detail of the canonical schema: fields
 * it does not name are still hashed into the scope (see cache-scope.ts), which keeps a new canonical
 * field from being silently ignored by the cache key.
 */

/** One content part; only `text` parts carry conversation text, every other type is non-text. */
export interface CacheContentPart {
  readonly type: string;
  readonly text?: string;
}

/** One message of the conversation. */
export interface CacheMessage {
  readonly role: string;
  readonly content?: string | readonly CacheContentPart[] | null;
  readonly name?: string;
  readonly tool_calls?: readonly unknown[];
  readonly tool_call_id?: string;
}

/** A chat completion request as the cache sees it: messages plus every other field as data. */
export interface CacheRequest {
  readonly model: string;
  readonly messages: readonly CacheMessage[];
  readonly temperature?: number | null;
  readonly n?: number | null;
  readonly [field: string]: unknown;
}

/** Fields that do not change the answer, so neither tier keys on them. */
export const VOLATILE_REQUEST_FIELDS = ['stream', 'stream_options', 'user', 'metadata'] as const;
