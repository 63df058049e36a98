import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/providers/vendor-fixtures.js';
import type { ChatCompletion } from '../../canonical/chat-response.js';
import { anthropicFinishReason, anthropicUsage, fromAnthropicResponse } from './anthropic-response.js';
import { JSON_RESPONSE_TOOL } from './anthropic-tools.js';
import type { AnthropicResponse } from './anthropic-types.js';

const context = { id: 'chatcmpl-job1', created: 1_700_000_000 };
const fixture = (name: string) => readFixture<AnthropicResponse>('anthropic', name);
const choice = (completion: ChatCompletion) => completion.choices[0]!;

describe('Anthropic response → chat.completion (recorded responses)', () => {
  it('maps an end_turn text message: content, stop, usage, the serving model, our id', () => {
    const completion = fromAnthropicResponse(fixture('message_response_end_turn.recorded.json'), context);
    expect(completion).toMatchObject({ id: 'chatcmpl-job1', object: 'chat.completion', created: 1_700_000_000, model: 'claude-opus-4-8' });
    expect(choice(completion).message.content).toMatch(/^I have successfully executed the test_tool/);
    expect(choice(completion).finish_reason).toBe('stop');
    expect(completion.usage).toEqual({
      prompt_tokens: 505,
      completion_tokens: 41,
      total_tokens: 546,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('maps tool_use blocks to tool_calls with Anthropic ids and JSON-string arguments', () => {
    const completion = fromAnthropicResponse(fixture('message_response_tool_use.recorded.json'), context);
    expect(choice(completion).finish_reason).toBe('tool_calls');
    expect(choice(completion).message.content).toMatch(/^I'll use the test_tool/);
    expect(choice(completion).message.tool_calls).toEqual([
      { id: 'toolu_011LF2VkWpAfJnTKJcmh1PNf', type: 'function', function: { name: 'test_tool', arguments: '{"value":"test"}' } },
    ]);
  });

  it('keeps parallel tool calls in order', () => {
    const recorded = readFixture<{ turns: Array<{ response: AnthropicResponse }> }>('anthropic', 'exchange_parallel_tool_results.recorded.json');
    const calls = choice(fromAnthropicResponse(recorded.turns[0]!.response, context)).message.tool_calls ?? [];
    expect(calls.map((c) => [c.id, c.function.arguments])).toEqual([
      ['toolu_01L8GVQapA1HmggQcrwboukH', '{"count":1}'],
      ['toolu_01J5Fvzxu7DP1Uh59c1kr5JD', '{"count":2}'],
    ]);
  });

  it('turns the forced JSON tool call into the message content, finish_reason stop', () => {
    const response: AnthropicResponse = {
      id: 'msg_1',
      model: 'claude-x',
      stop_reason: 'tool_use',
      content: [{ type: 'tool_use', id: 'toolu_1', name: JSON_RESPONSE_TOOL, input: { city: 'Paris' }, caller: { type: 'direct' } }],
      usage: { input_tokens: 1, output_tokens: 2 },
    } as AnthropicResponse;
    const completion = fromAnthropicResponse(response, context);
    expect(choice(completion).message).toEqual({ role: 'assistant', content: '{"city":"Paris"}', refusal: null });
    expect(choice(completion).finish_reason).toBe('stop');
  });

  it('gives content null when the message is only tool calls', () => {
    const response = { ...fixture('message_response_tool_use.recorded.json') };
    response.content = response.content.filter((block) => block.type === 'tool_use');
    expect(choice(fromAnthropicResponse(response, context)).message.content).toBeNull();
  });
});

describe('Anthropic stop_reason → finish_reason', () => {
  it.each([
    ['end_turn', false, 'stop'],
    ['stop_sequence', false, 'stop'],
    ['max_tokens', false, 'length'],
    ['tool_use', false, 'tool_calls'],
    ['tool_use', true, 'stop'],
    ['pause_turn', false, 'stop'],
    ['refusal', false, 'content_filter'],
    ['model_context_window_exceeded', false, 'length'],
    [null, false, null],
  ] as const)('%s (json mode %s) → %s', (stopReason, jsonMode, finish) => {
    expect(anthropicFinishReason(stopReason, jsonMode)).toBe(finish);
  });
});

describe('Anthropic usage → OpenAI usage', () => {
  it('counts cache reads and writes into prompt_tokens and reports reads as cached_tokens', () => {
    expect(
      anthropicUsage({ input_tokens: 100, cache_read_input_tokens: 50, cache_creation_input_tokens: 25, output_tokens: 10, output_tokens_details: { thinking_tokens: 4 } }),
    ).toEqual({
      prompt_tokens: 175,
      completion_tokens: 10,
      total_tokens: 185,
      prompt_tokens_details: { cached_tokens: 50 },
      completion_tokens_details: { reasoning_tokens: 4 },
    });
  });

  it('treats missing and null counts as zero', () => {
    expect(anthropicUsage({ input_tokens: 3, cache_read_input_tokens: null })).toMatchObject({ prompt_tokens: 3, completion_tokens: 0, total_tokens: 3 });
  });
});
