import type {
  ContentBlockParam,
  Message,
  MessageCreateParamsNonStreaming,
  MessageParam,
  RawMessageStreamEvent,
  TextBlockParam,
} from '@anthropic-ai/sdk/resources/messages';

/** The Messages API request body we build (the runtime adds `stream`). */
export type AnthropicRequest = MessageCreateParamsNonStreaming;
export type AnthropicMessageParam = MessageParam;
export type AnthropicBlock = ContentBlockParam;
export type AnthropicTextBlock = TextBlockParam;

/**
 * The parts of a Messages API response we read. Narrower than the SDK's `Message` so recorded
 * responses (which predate some of its required fields) type-check as they are.
 */
export type AnthropicResponse = Pick<Message, 'id' | 'model' | 'content' | 'stop_reason'> & {
  usage: AnthropicUsage;
};

/** Usage as the Messages API reports it; newer fields are optional because older responses lack them. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/** The body of an `error` event or error response: `{type: 'error', error: {type, message}}`. */
export interface AnthropicErrorBody {
  type?: string;
  error?: { type?: string; message?: string; details?: { error_code?: string } | null };
  request_id?: string | null;
}

/**
 * Every server-sent event of a Messages stream. The SDK swallows `ping` and throws on `error`
 * itself, but a raw stream (and the recorded fixtures) carry both, so the translator takes them too.
 */
export type AnthropicStreamEvent = RawMessageStreamEvent | { type: 'ping' } | ({ type: 'error' } & AnthropicErrorBody);
