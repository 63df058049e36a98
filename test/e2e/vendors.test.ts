import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { recordedErrorFault, startAnthropicEmulator, startGeminiEmulator, type Emulator } from '../emulators/index.js';
import { queuedJobTotal } from '../helpers/queue-counts.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } },
};

/** One OpenAI-shaped client, whatever serves it: Anthropic and Gemini through the gateway. */
describe.each(['claude', 'gemini'] as const)('the official openai SDK through a %s route', (model) => {
  let anthropic: Emulator;
  let gemini: Emulator;
  let gateway: TestGateway;
  let client: OpenAI;
  let key: string;
  const config = () =>
    testConfig({
      deployments: {
        'anthropic-main': { provider: 'anthropic', apiKey: 'sk-test-emulator', baseURL: anthropic.url, maxAttempts: 2, circuitBreaker: { minRequests: 10_000 } },
        'gemini-main': { provider: 'gemini', apiKey: 'sk-test-emulator', baseURL: gemini.url, maxAttempts: 2, circuitBreaker: { minRequests: 10_000 } },
        local: { provider: 'mock' },
      },
      models: {
        claude: [{ deployment: 'anthropic-main', model: 'claude-sonnet-4-5' }, { deployment: 'local', model: 'mock-1' }],
        gemini: [{ deployment: 'gemini-main', model: 'gemini-2.5-flash' }, { deployment: 'local', model: 'mock-1' }],
      },
    });
  const vendor = (): Emulator => (model === 'claude' ? anthropic : gemini);

  beforeAll(async () => {
    anthropic = await startAnthropicEmulator();
    gemini = await startGeminiEmulator();
    gateway = await startTestGateway(config());
    key = (await gateway.createKey('team-v')).key;
    client = gateway.client(key);
  });
  afterAll(async () => {
    await gateway?.close();
    await anthropic?.close();
    await gemini?.close();
  });

  it('answers in the OpenAI shape, with the serving model and usage', async () => {
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello vendor' }],
      max_tokens: 50,
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe('echo: hello vendor');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.model).toBe(model === 'claude' ? 'claude-sonnet-4-5' : 'gemini-2.5-flash');
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
  });

  it('runs a tool-calling round trip: call → tool result → final answer', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'call get_weather for Paris' }];
    const first = await client.chat.completions.create({ model, messages, tools: [weather] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ location: 'Paris' });
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: 'sunny, 21 C' });
    const second = await client.chat.completions.create({ model, messages, tools: [weather] });
    expect(second.choices[0]?.message.content).toContain('sunny');
    expect(second.choices[0]?.finish_reason).toBe('stop');
  });

  it('streams text deltas in OpenAI chunks', async () => {
    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'stream this' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('echo: stream this');
    expect(usage?.completion_tokens).toBe(3);
  });

  it('streams tool-call deltas with their index', async () => {
    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'call get_weather for Rome' }], tools: [weather], stream: true });
    let name = '';
    let args = '';
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        expect(delta.index).toBe(0);
        name += delta.function?.name ?? '';
        args += delta.function?.arguments ?? '';
      }
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ location: 'Rome' });
  });

  it('fails over to the next target when the vendor stays overloaded', async () => {
    vendor().faults.set(recordedErrorFault(model === 'claude' ? 'anthropic' : 'gemini', model === 'claude' ? 529 : 503, { times: 2 }));
    const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'busy vendor' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('This is a mock response to: busy vendor');
    const job = (await (await fetch(`${gateway.url}/v1/jobs/${response.headers.get('x-switchyard-job-id')}`, { headers: { authorization: `Bearer ${key}` } })).json()) as PublicJob;
    expect(job.attempts.map((a) => a.error?.code ?? a.status)).toEqual(['overloaded', 'overloaded', 'succeeded']);
  });

  it('rejects a parameter the vendor cannot take with a 400 naming it, enqueueing nothing', async () => {
    const before = await queuedJobTotal(gateway.config, model === 'claude' ? 'anthropic-main' : 'gemini-main');
    const error = (await client.chat.completions.create({ model: `${model === 'claude' ? 'anthropic-main/claude-sonnet-4-5' : 'gemini-main/gemini-2.5-flash'}`, messages: [{ role: 'user', content: 'x' }], logprobs: true }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect((error.error as { param?: string }).param).toBe('logprobs');
    expect(await queuedJobTotal(gateway.config, model === 'claude' ? 'anthropic-main' : 'gemini-main')).toBe(before);
  });
});
