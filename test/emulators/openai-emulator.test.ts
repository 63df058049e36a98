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

  const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } };
  const stock = { type: 'function' as const, function: { name: 'get_stock', parameters: { type: 'object', properties: { ticker: { type: 'string' } }, required: ['ticker'] } } };

  it('answers "call <tool>" with tool calls in the recorded shape: content null, finish tool_calls', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'call get_weather and get_stock for Oslo' }], tools: [weather, stock] });
    const message = completion.choices[0]!.message;
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(message.content).toBeNull();
    expect(message.tool_calls?.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['get_weather', { location: 'Oslo' }],
      ['get_stock', { ticker: 'Oslo' }],
    ]);
    expect(message.tool_calls?.every((c) => /^call_emu/.test(c.id))).toBe(true);
  });

  it.each([
    ['none', 'none' as const, []],
    ['required', 'required' as const, ['get_weather']],
    ['a named function', { type: 'function' as const, function: { name: 'get_stock' } }, ['get_stock']],
  ])('honours tool_choice %s', async (_name, toolChoice, names) => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], tools: [weather, stock], tool_choice: toolChoice });
    expect((completion.choices[0]!.message.tool_calls ?? []).map((c) => c.type === 'function' && c.function.name)).toEqual(names);
  });

  it('streams tool calls as the recording does: header (index, id, name) then argument fragments', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'call get_weather and get_stock for Rome' }], tools: [weather, stock], stream: true });
    const calls: Array<{ id: string; name: string; args: string }> = [];
    let finish: string | null = null;
    let headers = 0;
    for await (const chunk of stream) {
      finish = chunk.choices[0]?.finish_reason ?? finish;
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (delta.id) {
          headers++;
          expect(delta).toMatchObject({ type: 'function', function: { arguments: '' } });
          calls[delta.index] = { id: delta.id, name: delta.function?.name ?? '', args: '' };
        } else calls[delta.index]!.args += delta.function?.arguments ?? '';
      }
    }
    expect(finish).toBe('tool_calls');
    expect(headers).toBe(2);
    expect(calls.map((c) => [c.name, JSON.parse(c.args)])).toEqual([
      ['get_weather', { location: 'Rome' }],
      ['get_stock', { ticker: 'Rome' }],
    ]);
  });

  it('stalls a stream after N events until the client hangs up', async () => {
    emulator.streams.set({ stallAfterChunks: 1, times: 1 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a b' }], stream: true }, { signal: controller.signal });
    const seen: unknown[] = [];
    // The SDK ends the iteration (quietly, or with an abort error) once the signal fires.
    await (async () => {
      for await (const chunk of stream) {
        seen.push(chunk.choices[0]?.delta);
        controller.abort();
      }
    })().catch(() => undefined);
    expect(seen).toEqual([{ role: 'assistant', content: '', refusal: null }]);
    expect(await emulator.requests.at(-1)!.outcome).toBe('aborted');
  });

  it('repeats a stream\'s content when asked (a long answer)', async () => {
    emulator.streams.set({ repeat: 3, times: 1 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: xecho: xecho: x');
  });

  it('sends a malformed body the SDK cannot parse', async () => {
    emulator.faults.set({ malformed: true, times: 1 });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow();
  });
});
