import type { ChatCompletionChunk } from '../canonical/chat-response.js';
import type { StreamTranslator } from './translator.js';

/**
 * A stream translator that also says, once the vendor stream has ended, whether it ended properly.
 * Used by the Anthropic and Gemini runtimes; a candidate for `StreamTranslator` itself.
 */
export interface FinishingStreamTranslator<Event> extends StreamTranslator<Event> {
  /** Chunks still owed at the end of the stream; throws `server_error` if the stream was cut short. */
  finish(): ChatCompletionChunk[];
}
