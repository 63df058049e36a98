import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/providers/vendor-fixtures.js';
import type { FinishReason } from '../../canonical/chat-response.js';
import { fromGeminiResponse, geminiFinishReason, geminiUsage } from './gemini-response.js';
import { thoughtSignatureOf } from './gemini-tool-ids.js';
import type { GeminiResponse } from './gemini-types.js';

const context = { id: 'chatcmpl-job7', created: 1_700_000_000 };
interface Recording {
  interactions: Array<{ response: { body_segments: GeminiResponse[] } }>;
}
const recorded = (name: string, interaction = 0) => readFixture<Recording>('gemini', name).interactions[interaction]!.response.body_segments[0]!;
const mock = (name: string) => readFixture<GeminiResponse>('gemini', `generative-ai-js-mock-responses/${name}`);

describe('Gemini response → chat.completion (recorded responses)', () => {
  it('a text answer: content, stop, usage, the serving modelVersion, our id', () => {
    const completion = fromGeminiResponse(recorded('generate_content_system_instruction.recorded.json'), context, 'asked-for');
    expect(completion).toMatchObject({ id: 'chatcmpl-job7', object: 'chat.completion', created: 1_700_000_000, model: 'gemini-2.5-flash' });
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'low', refusal: null }, logprobs: null, finish_reason: 'stop' }]);
    // 9 prompt + 1 candidate + 20 thoughts = 30; thoughts are reasoning tokens inside completion_tokens.
    expect(completion.usage).toEqual({
      prompt_tokens: 9,
      completion_tokens: 21,
      total_tokens: 30,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 20 },
    });
  });

  it('cached prompt tokens are reported as cached_tokens (already inside promptTokenCount)', () => {
    const usage = fromGeminiResponse(recorded('generate_content_json_schema.recorded.json'), context).usage!;
    expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: 279, total_tokens: 284, prompt_tokens_details: { cached_tokens: 3 }, completion_tokens_details: { reasoning_tokens: 41 } });
  });

  it('MAX_TOKENS → length', () => {
    expect(fromGeminiResponse(recorded('generate_content_temperature_max_output_tokens.recorded.json'), context).choices[0]!.finish_reason).toBe('length');
  });

  it('a function call → tool_calls with a derived id, JSON arguments, finish tool_calls, content null', () => {
    const choice = fromGeminiResponse(recorded('generate_content_function_call_and_response.recorded.json'), context).choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^call_0_[0-9a-f]{16}$/), type: 'function', function: { name: 'customDivide', arguments: '{"denominator":2,"numerator":10}' } },
    ]);
  });

  it('parallel function calls get distinct, stable ids; the thought signature rides in the first', () => {
    const response = recorded('generate_content_multi_tool_thought_signature.recorded.json');
    const first = fromGeminiResponse(response, context).choices[0]!.message.tool_calls!;
    const again = fromGeminiResponse(response, context).choices[0]!.message.tool_calls!;
    expect(again).toEqual(first);
    expect(first.map((c) => c.function.name)).toEqual(['print', 'beep']);
    expect(new Set(first.map((c) => c.id)).size).toBe(2);
    expect(thoughtSignatureOf(first[0]!.id)).toBe(response.candidates![0]!.content!.parts![0]!.thoughtSignature);
    expect(thoughtSignatureOf(first[1]!.id)).toBeUndefined();
    expect(fromGeminiResponse(response, { ...context, id: 'chatcmpl-other' }).choices[0]!.message.tool_calls![1]!.id).not.toBe(first[1]!.id);
  });

  it('a finishReason SAFETY answer → content_filter, keeping what was said', () => {
    const choice = fromGeminiResponse(mock('unary-failure-finish-reason-safety.json'), context).choices[0]!;
    expect([choice.message.content, choice.finish_reason]).toEqual(['No', 'content_filter']);
  });

  it('a prompt blocked by safety (promptFeedback.blockReason, no candidates) → empty content_filter answer, not a crash', () => {
    const completion = fromGeminiResponse(mock('unary-failure-prompt-blocked-safety.json'), context, 'gemini-x');
    expect(completion.model).toBe('gemini-x');
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: 'content_filter' }]);
  });

  it('several candidates → several choices by index', () => {
    const response: GeminiResponse = { candidates: [{ index: 1, content: { parts: [{ text: 'b' }] } }, { index: 0, content: { parts: [{ text: 'a' }] } }] };
    expect(fromGeminiResponse(response, context).choices.map((c) => [c.index, c.message.content])).toEqual([[0, 'a'], [1, 'b']]);
  });

  it('thought parts are not content', () => {
    const response: GeminiResponse = { candidates: [{ content: { parts: [{ text: 'thinking…', thought: true }, { text: 'answer' }] }, finishReason: undefined }] };
    expect(fromGeminiResponse(response, context).choices[0]!.message.content).toBe('answer');
  });

  it('no candidates and no block reason is a server error', () => {
    expect(() => fromGeminiResponse({}, context)).toThrowError(expect.objectContaining({ code: 'server_error' }));
  });
});

describe('Gemini finishReason → finish_reason', () => {
  it.each<[string | undefined, boolean, FinishReason]>([
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    [undefined, false, 'stop'],
    ['MAX_TOKENS', true, 'length'],
    ['SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['SPII', false, 'content_filter'],
    ['BLOCKLIST', false, 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'stop'],
    ['SOMETHING_NEW', false, 'stop'],
  ])('%s (tool calls: %s) → %s', (reason, hasToolCalls, expected) => {
    expect(geminiFinishReason(reason, hasToolCalls)).toBe(expected);
  });
});

describe('Gemini usage → OpenAI usage', () => {
  it('adds tool-use prompt tokens to the prompt and falls back to the sum when total is missing', () => {
    expect(geminiUsage({ promptTokenCount: 10, toolUsePromptTokenCount: 5, candidatesTokenCount: 3 })).toMatchObject({ prompt_tokens: 15, completion_tokens: 3, total_tokens: 18 });
  });
});
