import { describe, expect, it } from 'vitest';
import type { Usage } from '../../shared/canonical/chat-response.js';
import { anthropicStreamTranslator } from '../../shared/providers/anthropic/anthropic-stream.js';
import type { AnthropicStreamEvent } from '../../shared/providers/anthropic/anthropic-types.js';
import { geminiStreamTranslator } from '../../shared/providers/gemini/gemini-stream.js';
import type { GeminiResponse } from '../../shared/providers/gemini/gemini-types.js';
import { readSseFixture } from './vendor-fixtures.js';

/**
 * The `choices: []` usage chunk a client sees is built by the API (api/routes/stream-completion.ts)
 * from the stream translator's `usage()`. These pure tests pin that value after each recorded
 * stream, so a translation slip shows here rather than only in an end-to-end test.
 */

const context = { id: 'chatcmpl-usage', created: 1_700_000_000 };

function anthropicUsageAfter(events: AnthropicStreamEvent[]): Usage | undefined {
  const translator = anthropicStreamTranslator(context, false);
  for (const event of events) translator.push(event);
  translator.finish();
  return translator.usage();
}

function geminiUsageAfter(events: GeminiResponse[]): Usage | undefined {
  const translator = geminiStreamTranslator(context, 'asked-for');
  for (const event of events) translator.push(event);
  translator.finish();
  return translator.usage();
}

const anthropicEvents = (name: string) => readSseFixture<AnthropicStreamEvent>('anthropic', name).map((e) => e.data);
const geminiEvents = (name: string) => readSseFixture<GeminiResponse>('gemini', name).map((e) => e.data);

const usage = (prompt: number, completion: number, cached: number, reasoning: number, total = prompt + completion): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: total,
  prompt_tokens_details: { cached_tokens: cached },
  completion_tokens_details: { reasoning_tokens: reasoning },
});

/** The recorded stream with the counts Anthropic reports on a prompt-cache hit with thinking on. */
function withAnthropicCacheAndThinking(events: AnthropicStreamEvent[]): AnthropicStreamEvent[] {
  return events.map((event) => {
    if (event.type === 'message_start') {
      return { ...event, message: { ...event.message, usage: { ...event.message.usage, cache_read_input_tokens: 300, cache_creation_input_tokens: 40 } } };
    }
    if (event.type === 'message_delta') {
      return { ...event, usage: { ...event.usage, output_tokens_details: { thinking_tokens: 25 } } } as AnthropicStreamEvent;
    }
    return event;
  });
}

/** The recorded stream with the cache count Gemini reports when a cached content is used. */
function withGeminiCache(events: GeminiResponse[]): GeminiResponse[] {
  return events.map((event) => (event.usageMetadata ? { ...event, usageMetadata: { ...event.usageMetadata, cachedContentTokenCount: 12 } } : event));
}

describe('Anthropic stream translator usage() equals the recorded usage', () => {
  it.each([
    // message_start usage.input_tokens 11; message_delta usage.output_tokens 6 (the final count, not 1 + 6).
    ['stream_text.recorded.sse', usage(11, 6, 0, 0)],
    // input 377 with cache_read 0 and cache_creation 0; output 65.
    ['stream_tool_use.recorded.sse', usage(377, 65, 0, 0)],
  ])('%s', (name, expected) => {
    expect(anthropicUsageAfter(anthropicEvents(name))).toEqual(expected);
  });

  it.each([
    // OpenAI's prompt_tokens counts cached input; Anthropic's input_tokens does not: 11 + 300 read + 40 written.
    ['stream_text.recorded.sse', usage(351, 6, 300, 25)],
    ['stream_tool_use.recorded.sse', usage(717, 65, 300, 25)],
  ])('%s with cache reads and thinking tokens: cached_tokens and reasoning_tokens carried', (name, expected) => {
    expect(anthropicUsageAfter(withAnthropicCacheAndThinking(anthropicEvents(name)))).toEqual(expected);
  });

  it('has no usage before message_start (a stream cut before it started)', () => {
    expect(anthropicStreamTranslator(context, false).usage()).toBeUndefined();
  });
});

describe('Gemini stream translator usage() equals the recorded usage of the last chunk', () => {
  it.each([
    // promptTokenCount 27, candidatesTokenCount 37, totalTokenCount 64 (earlier chunks' 101-token counts are superseded).
    ['stream_generate_content_after_function_response.sse', usage(27, 37, 0, 0, 64)],
    ['stream_generate_content_function_call.sse', usage(17, 6, 0, 0, 23)],
    // Image output tokens are candidates tokens like any other.
    ['stream_generate_content_image_output.sse', usage(15, 1318, 0, 0, 1333)],
    // thoughtsTokenCount 260 is outside candidatesTokenCount 253; OpenAI counts reasoning inside completion_tokens.
    ['stream_generate_content_system_instruction.sse', usage(20, 513, 0, 260, 533)],
  ])('%s', (name, expected) => {
    expect(geminiUsageAfter(geminiEvents(name))).toEqual(expected);
  });

  it.each([
    // promptTokenCount already includes cachedContentTokenCount, so only cached_tokens changes.
    ['stream_generate_content_after_function_response.sse', usage(27, 37, 12, 0, 64)],
    ['stream_generate_content_system_instruction.sse', usage(20, 513, 12, 260, 533)],
  ])('%s with cachedContentTokenCount: reported as cached_tokens', (name, expected) => {
    expect(geminiUsageAfter(withGeminiCache(geminiEvents(name)))).toEqual(expected);
  });
});
