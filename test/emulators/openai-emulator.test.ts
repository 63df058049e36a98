import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAIErrorFault, startOpenAIEmulator, type OpenAIEmulator } from './index.js';

describe('OpenAI emulator, as the official SDK sees it', () => {
  let emulator: OpenAIEmulator;
  let client: OpenAI;
  beforeAll(async () => {
    emulator = await startOpenAIEmulator();
    client = new OpenAI({ apiKey: 'sk-test-emulator', baseURL: emulator.url, maxRetries: 0, timeout: 2000 });
  });
  afterAll(async () => emulator?.close());

  it('answers a completion the SDK parses, with deterministic content and usage', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'two words' }] });
    expect(completion.choices[0]?.message.content).toBe('echo: two words');
    expect(completion.usage?.prompt_tokens).toBe(2);
    expect(completion.usage?.completion_tokens).toBe(3);
    expect(emulator.requests.at(-1)?.body.model).toBe('gpt-4o');
  });

  it('streams chunks the SDK reassembles, with a usage chunk when asked', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a b c' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('echo: a b c');
    expect(usage).toMatchObject({ completion_tokens: 4 });
  });

  it('truncates at max_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'one two three' }], max_tokens: 2 });
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'echo: one' } });
  });

  it.each(['400', '401', '429', '500', '503'] as const)('serves the recorded %s as the SDK error of that status', async (status) => {
    emulator.faults.set(openAIErrorFault(status, { times: 1 }));
    const error = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(Number(status));
    if (status === '429') expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBeTruthy();
  });

  it('refuses a wrong key with the recorded 401', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: emulator.url, maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('hangs until the SDK times out, and records the abort', async () => {
    emulator.faults.set({ hang: true, times: 1 });
    const quick = new OpenAI({ apiKey: 'sk-test-emulator', baseURL: emulator.url, maxRetries: 0, timeout: 200 });
    await expect(quick.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(await emulator.requests.at(-1)!.outcome).toBe('aborted');
  });

  it('cuts a stream after N chunks so the SDK throws', async () => {
    emulator.faults.set({ cutStreamAfterChunks: 2, times: 1 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a b c d' }], stream: true });
    let chunks = 0;
    const consume = async () => {
      for await (const _ of stream) chunks++;
    };
    await expect(consume()).rejects.toThrow();
    expect(chunks).toBe(2);
  });

  it('sends a malformed body the SDK cannot parse', async () => {
    emulator.faults.set({ malformed: true, times: 1 });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow();
  });
});
