import { describe, expect, it } from 'vitest';
import { readSseFixture } from '../../../test/providers/vendor-fixtures.js';
import type { ChatCompletionChunk } from '../../canonical/chat-response.js';
import { ChunkAccumulator } from '../../canonical/chunk-accumulator.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { anthropicStreamTranslator } from './anthropic-stream.js';
import { JSON_RESPONSE_TOOL } from './anthropic-tools.js';
import type { AnthropicStreamEvent } from './anthropic-types.js';

const context = { id: 'chatcmpl-job1', created: 1_700_000_000 };
const events = (name: string) => readSseFixture<AnthropicStreamEvent>('anthropic', name).map((e) => e.data);

function run(input: AnthropicStreamEvent[], jsonMode = false) {
  const translator = anthropicStreamTranslator(context, jsonMode);
  const chunks: ChatCompletionChunk[] = input.flatMap((event) => translator.push(event));
  chunks.push(...translator.finish());
  const accumulator = new ChunkAccumulator();
  for (const chunk of chunks) accumulator.push(chunk);
  return { chunks, usage: translator.usage(), result: accumulator.result(context.id, context.created) };
}
const deltas = (chunks: ChatCompletionChunk[]) => chunks.map((c) => [c.choices[0]!.delta, c.choices[0]!.finish_reason]);

describe('Anthropic stream events → chat.completion.chunk (recorded streams)', () => {
  it('text stream: role chunk first, one chunk per text delta, then the finish chunk; ping adds nothing', () => {
    const { chunks, usage, result } = run(events('stream_text.recorded.sse'));
    expect(deltas(chunks)).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'Hello' }, null],
      [{ content: ' there' }, null],
      [{ content: '!' }, null],
      [{}, 'stop'],
    ]);
    expect(chunks.every((c) => c.id === 'chatcmpl-job1' && c.model === 'claude-opus-4-8' && c.object === 'chat.completion.chunk')).toBe(true);
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 });
    expect(result.choices[0]!.message.content).toBe('Hello there!');
  });

  it('tool stream: tool call header with index, id and name, then argument fragments, finish tool_calls', () => {
    const { chunks, usage, result } = run(events('stream_tool_use.recorded.sse'));
    const toolDeltas = chunks.flatMap((c) => c.choices[0]!.delta.tool_calls ?? []);
    expect(toolDeltas).toEqual([
      { index: 0, id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 0, function: { arguments: '{"locati' } },
      { index: 0, function: { arguments: 'on": "P' } },
      { index: 0, function: { arguments: 'ar' } },
      { index: 0, function: { arguments: 'is"}' } },
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(result.choices[0]!.message).toMatchObject({
      content: "I'll check the current weather in Paris for you.",
      tool_calls: [{ id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', function: { name: 'get_weather', arguments: '{"location": "Paris"}' } }],
    });
    expect(usage).toMatchObject({ prompt_tokens: 377, completion_tokens: 65, prompt_tokens_details: { cached_tokens: 0 } });
  });

  it('an error event throws the classified GatewayError (overloaded, retryable)', () => {
    const translator = anthropicStreamTranslator(context, false);
    const [start] = events('stream_text.recorded.sse');
    translator.push(start!);
    const [errorEvent] = events('stream_error_event.sse');
    let thrown: unknown;
    try {
      translator.push(errorEvent!);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect([(thrown as GatewayError).code, (thrown as GatewayError).retryable]).toEqual(['overloaded', true]);
  });

  it('a stream cut before message_stop is not a success', () => {
    const translator = anthropicStreamTranslator(context, false);
    for (const event of events('stream_text.recorded.sse').slice(0, 5)) translator.push(event);
    expect(() => translator.finish()).toThrowError(expect.objectContaining({ code: 'server_error' }));
  });

  it('parallel tool calls get consecutive indexes', () => {
    const tool = (index: number, id: string): AnthropicStreamEvent[] => [
      { type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: 'f', input: {}, caller: { type: 'direct' } } },
      { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: `{"n":${index}}` } },
      { type: 'content_block_stop', index },
    ] as AnthropicStreamEvent[];
    const [start] = events('stream_tool_use.recorded.sse');
    const stop = events('stream_tool_use.recorded.sse').slice(-2);
    const { result } = run([start!, ...tool(0, 'toolu_a'), ...tool(1, 'toolu_b'), ...stop]);
    expect(result.choices[0]!.message.tool_calls?.map((c) => [c.id, c.function.arguments])).toEqual([
      ['toolu_a', '{"n":0}'],
      ['toolu_b', '{"n":1}'],
    ]);
  });

  it('JSON mode streams the forced tool input as content and finishes with stop', () => {
    const [start] = events('stream_text.recorded.sse');
    const stop = events('stream_tool_use.recorded.sse').slice(-2);
    const body = [
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_j', name: JSON_RESPONSE_TOOL, input: {}, caller: { type: 'direct' } } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      { type: 'content_block_stop', index: 0 },
    ] as AnthropicStreamEvent[];
    const { result } = run([start!, ...body, ...stop], true);
    expect(result.choices[0]!.message).toEqual({ role: 'assistant', content: '{"city":"Paris"}', refusal: null });
    expect(result.choices[0]!.finish_reason).toBe('stop');
  });
});
