import { describe, expect, it } from 'vitest';
import { readSseFixture } from '../../../test/providers/vendor-fixtures.js';
import type { ChatCompletionChunk } from '../../canonical/chat-response.js';
import { ChunkAccumulator } from '../../canonical/chunk-accumulator.js';
import { fromGeminiResponse } from './gemini-response.js';
import { geminiStreamTranslator } from './gemini-stream.js';
import type { GeminiResponse } from './gemini-types.js';

const context = { id: 'chatcmpl-job7', created: 1_700_000_000 };
const events = (name: string) => readSseFixture<GeminiResponse>('gemini', name).map((e) => e.data);

function run(input: GeminiResponse[]) {
  const translator = geminiStreamTranslator(context, 'asked-for');
  const chunks: ChatCompletionChunk[] = input.flatMap((event) => translator.push(event));
  chunks.push(...translator.finish());
  const accumulator = new ChunkAccumulator();
  for (const chunk of chunks) accumulator.push(chunk);
  return { chunks, usage: translator.usage(), result: accumulator.result(context.id, context.created) };
}
const deltas = (chunks: ChatCompletionChunk[]) => chunks.map((c) => [c.choices[0]!.delta, c.choices[0]!.finish_reason]);

describe('Gemini stream chunks → chat.completion.chunk (recorded streams)', () => {
  it('text stream: role first, a chunk per text part, one finish chunk at the end, the last usage', () => {
    const input = events('stream_generate_content_after_function_response.sse');
    const { chunks, usage, result } = run(input);
    expect(deltas(chunks)).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'I' }, null],
      [{ content: ' cannot fulfill this request. The customDivide function does not return the correct result of ' }, null],
      [{ content: '10 / 2. The function seems to be flawed and returns 42' }, null],
      [{ content: '.\n' }, null],
      [{}, 'stop'],
    ]);
    expect(chunks.every((c) => c.model === 'gemini-2.0-flash' && c.id === 'chatcmpl-job7')).toBe(true);
    expect(usage).toMatchObject({ prompt_tokens: 27, completion_tokens: 37, total_tokens: 64 });
    expect(result.choices[0]!.message.content).toMatch(/^I cannot fulfill.*42\.\n$/s);
  });

  it('thinking model stream: thoughts counted as reasoning tokens', () => {
    expect(run(events('stream_generate_content_system_instruction.sse')).usage).toEqual({
      prompt_tokens: 20,
      completion_tokens: 513,
      total_tokens: 533,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 260 },
    });
  });

  it('function call stream: header chunk (index, id, name), then the arguments, finish tool_calls; ids match the unary result', () => {
    const input = events('stream_generate_content_function_call.sse');
    const { chunks, result } = run(input);
    const toolDeltas = chunks.flatMap((c) => c.choices[0]!.delta.tool_calls ?? []);
    const unaryId = fromGeminiResponse(input[0]!, context).choices[0]!.message.tool_calls![0]!.id;
    expect(toolDeltas).toEqual([
      { index: 0, id: unaryId, type: 'function', function: { name: 'customDivide', arguments: '' } },
      { index: 0, function: { arguments: '{"denominator":2,"numerator":10}' } },
    ]);
    expect(result.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('image output parts are skipped; the final partless chunk still finishes the stream', () => {
    const { result } = run(events('stream_generate_content_image_output.sse'));
    expect(result.choices[0]!.message.content).toMatch(/^I will generate an image of the Eiffel Tower/);
    expect(result.choices[0]!.finish_reason).toBe('stop');
  });

  it('older streams with STOP on every chunk get one finish chunk, after all the text', () => {
    const { chunks } = run(events('generative-ai-js-mock-responses/streaming-success-basic-reply-long.sse'));
    expect(chunks.filter((c) => c.choices[0]!.finish_reason !== null)).toHaveLength(1);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });

  it.each([
    ['a SAFETY finish keeps the text and ends content_filter', 'streaming-failure-finish-reason-safety.sse', 'No'],
    ['RECITATION after STOP chunks ends content_filter', 'streaming-failure-recitation-no-content.sse', 'Copyrighted text goes hereMore copyrighted text'],
    ['a blocked prompt is an empty content_filter answer', 'streaming-failure-prompt-blocked-safety.sse', ''],
  ])('%s', (_name, file, content) => {
    const { result } = run(events(`generative-ai-js-mock-responses/${file}`));
    expect([result.choices[0]!.message.content, result.choices[0]!.finish_reason]).toEqual([content, 'content_filter']);
  });

  it('a stream cut before any finish reason is not a success', () => {
    const translator = geminiStreamTranslator(context, 'm');
    translator.push(events('stream_generate_content_after_function_response.sse')[0]!);
    expect(() => translator.finish()).toThrowError(expect.objectContaining({ code: 'server_error' }));
  });

  it('an empty stream is not a success', () => {
    expect(() => geminiStreamTranslator(context, 'm').finish()).toThrowError(expect.objectContaining({ code: 'server_error' }));
  });
});
