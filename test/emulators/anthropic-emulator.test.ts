import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordedErrorFault, startAnthropicEmulator, type Emulator } from './index.js';

describe('Anthropic emulator, as the official SDK sees it', () => {
  let emulator: Emulator;
  let client: Anthropic;
  beforeAll(async () => {
    emulator = await startAnthropicEmulator();
    client = new Anthropic({ apiKey: 'sk-test-emulator', baseURL: emulator.url, maxRetries: 0, timeout: 2000 });
  });
  afterAll(async () => emulator?.close());

  it('answers a message the SDK parses, with usage including the cache fields', async () => {
    const message = await client.messages.create({ model: 'claude-test', max_tokens: 100, system: 'be brief', messages: [{ role: 'user', content: 'hi there' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'echo: hi there' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 4, output_tokens: 3, cache_read_input_tokens: 0 });
  });

  it('calls a tool, then answers from its result', async () => {
    const tools = [{ name: 'get_weather', description: 'w', input_schema: { type: 'object' as const, properties: { location: { type: 'string' } }, required: ['location'] } }];
    const first = await client.messages.create({ model: 'claude-test', max_tokens: 100, tools, messages: [{ role: 'user', content: 'call get_weather for Paris' }] });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content[0] as { type: 'tool_use'; id: string; input: unknown };
    expect(use.input).toEqual({ location: 'Paris' });
    const second = await client.messages.create({
      model: 'claude-test',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'call get_weather for Paris' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
      ],
    });
    expect(second.content[0]).toEqual({ type: 'text', text: 'echo: result sunny' });
  });

  it('streams the recorded event sequence, which the SDK reassembles', async () => {
    const stream = client.messages.stream({ model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'a b c' }] });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'echo: a b c' }]);
    expect(types[0]).toBe('message_start');
    expect(types).toContain('content_block_delta');
    expect(types.at(-1)).toBe('message_stop');
  });

  it.each([
    ['consecutive user turns', { messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }],
    ['a system role in messages', { messages: [{ role: 'system', content: 'a' }] }],
  ])('rejects %s as the real API does', async (_name, body) => {
    const error = await client.messages.create({ model: 'claude-test', max_tokens: 10, ...(body as { messages: Anthropic.MessageParam[] }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
  });

  it.each([429, 500, 529])('serves the recorded %i', async (status) => {
    emulator.faults.set(recordedErrorFault('anthropic', status, { times: 1 }));
    const error = await client.messages.create({ model: 'claude-test', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(status);
  });

  it('sends the recorded overloaded error event mid-stream, which the SDK throws', async () => {
    emulator.faults.set({ cutStreamAfterChunks: 3, midStreamError: true, times: 1 });
    const stream = client.messages.stream({ model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'a b c d' }] });
    await expect(stream.finalMessage()).rejects.toThrow(/Overloaded/);
  });
});
