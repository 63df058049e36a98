import { encodeChat } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { chatRequestSchema } from '../canonical/chat-request.js';
import { countTextTokens } from './text-tokens.js';
import { estimatePromptTokens, estimateRequestTokens, type EstimableChatRequest } from './token-estimator.js';

describe('countTextTokens', () => {
  it('counts with o200k_base', () => {
    expect(countTextTokens('hello world')).toBe(2);
    expect(countTextTokens('')).toBe(0);
  });

  it('counts special-token strings in user text as plain text instead of throwing', () => {
    expect(countTextTokens('a <|endoftext|> b')).toBeGreaterThan(3);
  });
});

describe('estimatePromptTokens', () => {
  const conversations: [string, { role: 'system' | 'user' | 'assistant'; content: string }[]][] = [
    ['one user message', [{ role: 'user', content: 'hello world' }]],
    [
      'a system prompt and a short exchange',
      [
        { role: 'system', content: 'You are a terse assistant. Answer in one sentence.' },
        { role: 'user', content: 'What is the capital of France?' },
        { role: 'assistant', content: 'Paris.' },
        { role: 'user', content: 'And of Italy? Answer with 🇮🇹 too.' },
      ],
    ],
    ['an empty message', [{ role: 'user', content: '' }]],
  ];

  it.each(conversations)('matches the chat encoding OpenAI uses for gpt-4o: %s', (_name, messages) => {
    expect(estimatePromptTokens({ messages })).toBe(encodeChat(messages, 'gpt-4o').length);
  });

  it('counts text parts like the same text as a string', () => {
    const asParts = estimatePromptTokens({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe ' }, { type: 'text', text: 'this picture.' }] }],
    });
    const asString = estimatePromptTokens({ messages: [{ role: 'user', content: 'Describe this picture.' }] });
    // Two parts may split a token the joined string would merge; never fewer tokens.
    expect(asParts).toBeGreaterThanOrEqual(asString);
    expect(asParts - asString).toBeLessThanOrEqual(1);
  });

  it('charges images by detail: 85 tokens low, 765 otherwise', () => {
    const base = estimatePromptTokens({ messages: [{ role: 'user', content: [] }] });
    const image = (detail?: string) =>
      estimatePromptTokens({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png', detail } }] }] }) - base;
    expect(image('low')).toBe(85);
    expect(image('high')).toBe(765);
    expect(image()).toBe(765);
  });

  it('adds a name, tool calls, tool results and tool definitions', () => {
    const plain = estimatePromptTokens({ messages: [{ role: 'user', content: 'hi' }] });
    expect(estimatePromptTokens({ messages: [{ role: 'user', content: 'hi', name: 'alice' }] })).toBe(plain + 1 + countTextTokens('alice'));
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    expect(estimatePromptTokens({ messages: [{ role: 'user', content: 'hi' }], tools })).toBe(plain + countTextTokens(JSON.stringify(tools)));
    const call = { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    const withCall = estimatePromptTokens({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', content: '18°C', tool_call_id: 'c1' },
      ],
    });
    const expected =
      plain +
      (3 + countTextTokens('assistant') + 3 + countTextTokens('get_weather') + countTextTokens('{"city":"Paris"}')) +
      (3 + countTextTokens('tool') + countTextTokens('18°C') + countTextTokens('c1'));
    expect(withCall).toBe(expected);
  });

  it('counts a JSON schema response format', () => {
    const schema = { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } } };
    const messages = [{ role: 'user', content: 'hi' }];
    const delta = estimatePromptTokens({ messages, response_format: { type: 'json_schema', json_schema: schema } }) - estimatePromptTokens({ messages });
    expect(delta).toBe(countTextTokens(JSON.stringify(schema)));
  });

  it('accepts the canonical ChatRequest as it is', () => {
    const request = chatRequestSchema.parse({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello world' }] });
    expect(estimatePromptTokens(request)).toBe(9);
  });
});

describe('estimateRequestTokens', () => {
  const messages = [{ role: 'user', content: 'hello world' }];
  const cases: [string, EstimableChatRequest, number][] = [
    ['the default when no limit is given', { messages }, 9 + 1000],
    ['max_tokens', { messages, max_tokens: 50 }, 9 + 50],
    ['max_completion_tokens over max_tokens', { messages, max_tokens: 50, max_completion_tokens: 20 }, 9 + 20],
    ['the budget once per choice', { messages, max_tokens: 50, n: 3 }, 9 + 150],
  ];
  it.each(cases)('adds %s', (_name, request, expected) => {
    expect(estimateRequestTokens(request, 1000)).toBe(expected);
  });

  it('rejects a negative default', () => {
    expect(() => estimateRequestTokens({ messages }, -1)).toThrow(RangeError);
  });
});
