import { countTextTokens } from './text-tokens.js';

/**
 * Token estimates for reserving TPM before a call. The estimate only has to be close: the reservation
 * is settled with the vendor's real usage afterwards. Prompt text is counted with o200k_base; vendors
 * with other tokenizers (Anthropic, Gemini) land within a few percent for ordinary text.
 *
 * The request type is structural on purpose: the canonical ChatRequest (shared/canonical) fits it, and
 * so does any OpenAI-shaped body.
 */

/** A content part: text and refusal are counted; images, audio and files get fixed-rule estimates. */
export interface EstimableContentPart {
  readonly type: string;
  readonly text?: string;
  readonly refusal?: string;
  readonly image_url?: { readonly url?: string; readonly detail?: string | null };
  readonly input_audio?: { readonly data: string; readonly format?: string };
  readonly file?: { readonly file_data?: string; readonly file_id?: string };
}

export interface EstimableMessage {
  readonly role: string;
  readonly content?: string | readonly EstimableContentPart[] | null;
  readonly name?: string;
  readonly refusal?: string | null;
  readonly tool_call_id?: string;
  readonly tool_calls?: readonly { readonly function: { readonly name: string; readonly arguments: string } }[];
}

export interface EstimableChatRequest {
  readonly messages: readonly EstimableMessage[];
  readonly tools?: readonly unknown[] | null;
  readonly response_format?: unknown;
  readonly max_tokens?: number | null;
  readonly max_completion_tokens?: number | null;
  readonly n?: number | null;
}

// OpenAI's chat format: <|im_start|>{role}<|im_sep|>{content}<|im_end|> per message, i.e. 3 tokens
// beside the role and content, 1 more when a name is given, and <|im_start|>assistant<|im_sep|> (3)
// priming the reply. Matches gpt-tokenizer's encodeChat for gpt-4o exactly.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;
const TOKENS_PER_TOOL_CALL = 3;

// OpenAI bills an image at 85 tokens (low detail) or 85 + 170 per 512 px tile; without decoding the
// image we assume a square one at high detail: 2×2 tiles.
const IMAGE_LOW_TOKENS = 85;
const IMAGE_DEFAULT_TOKENS = 85 + 4 * 170;
// Audio input runs at about 10 tokens a second; compressed formats carry about 16 kB a second, wav
// (16-bit mono at 16 kHz) about 32 kB.
const AUDIO_TOKENS_PER_SECOND = 10;
// A file (PDF) is billed as its text plus a page image; we cannot see pages without parsing, so one
// token per 16 bytes, and a flat guess for a file referenced only by id.
const FILE_BYTES_PER_TOKEN = 16;
const FILE_ID_TOKENS = 1_000;

/** Estimated prompt tokens of an OpenAI-shaped chat request (messages, tools and a response schema). */
export function estimatePromptTokens(request: EstimableChatRequest): number {
  let total = REPLY_PRIMING;
  for (const message of request.messages) total += messageTokens(message);
  if (request.tools && request.tools.length > 0) total += countTextTokens(JSON.stringify(request.tools));
  if (isObject(request.response_format) && request.response_format.json_schema !== undefined) {
    total += countTextTokens(JSON.stringify(request.response_format.json_schema));
  }
  return total;
}

/**
 * Estimated total tokens a request may consume: its prompt plus the completion budget for each of its
 * `n` choices, the budget being `max_completion_tokens ?? max_tokens ?? defaultMaxTokens`.
 * Throws RangeError when `defaultMaxTokens` is negative or not finite.
 */
export function estimateRequestTokens(request: EstimableChatRequest, defaultMaxTokens: number): number {
  if (!Number.isFinite(defaultMaxTokens) || defaultMaxTokens < 0) throw new RangeError(`defaultMaxTokens must be >= 0, got ${defaultMaxTokens}`);
  const completion = request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens;
  return estimatePromptTokens(request) + completion * (request.n ?? 1);
}

function messageTokens(message: EstimableMessage): number {
  let total = TOKENS_PER_MESSAGE + countTextTokens(message.role) + contentTokens(message.content);
  if (message.name) total += TOKENS_PER_NAME + countTextTokens(message.name);
  if (message.refusal) total += countTextTokens(message.refusal);
  if (message.tool_call_id) total += countTextTokens(message.tool_call_id);
  for (const call of message.tool_calls ?? []) {
    total += TOKENS_PER_TOOL_CALL + countTextTokens(call.function.name) + countTextTokens(call.function.arguments);
  }
  return total;
}

function contentTokens(content: EstimableMessage['content']): number {
  if (content == null) return 0;
  if (typeof content === 'string') return countTextTokens(content);
  let total = 0;
  for (const part of content) total += partTokens(part);
  return total;
}

function partTokens(part: EstimableContentPart): number {
  if (part.text !== undefined) return countTextTokens(part.text);
  if (part.refusal !== undefined) return countTextTokens(part.refusal);
  if (part.image_url) return part.image_url.detail === 'low' ? IMAGE_LOW_TOKENS : IMAGE_DEFAULT_TOKENS;
  if (part.input_audio) {
    const bytesPerSecond = part.input_audio.format === 'wav' ? 32_000 : 16_000;
    return Math.ceil((base64Bytes(part.input_audio.data) / bytesPerSecond) * AUDIO_TOKENS_PER_SECOND);
  }
  if (part.file) {
    if (part.file.file_data) return Math.max(IMAGE_LOW_TOKENS, Math.ceil(base64Bytes(part.file.file_data) / FILE_BYTES_PER_TOKEN));
    return FILE_ID_TOKENS;
  }
  // An unknown part type: its JSON is the best guess we have, at the usual ~4 characters a token
  // rather than tokenizing what may be a large encoded blob.
  return Math.ceil(JSON.stringify(part).length / 4);
}

/** Decoded size of a base64 string or data: URL (no need to decode it to know). */
function base64Bytes(data: string): number {
  const comma = data.startsWith('data:') ? data.indexOf(',') + 1 : 0;
  return Math.floor(((data.length - comma) * 3) / 4);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
