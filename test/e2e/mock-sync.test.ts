import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

describe('synchronous chat completions through the queue (mock provider)', () => {
  let gateway: TestGateway;
  let key: string;

  beforeAll(async () => {
    gateway = await startTestGateway(testConfig());
    key = (await gateway.createKey('team-a')).key;
  });
  afterAll(async () => gateway?.close());

  it('answers the official openai SDK with a chat.completion produced by a worker', async () => {
    const client = gateway.client(key);
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'mock', messages: [{ role: 'user', content: 'hello there' }] })
      .withResponse();
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe('This is a mock response to: hello there');
    expect(completion.usage).toEqual({ prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 });
    expect(completion.id).toMatch(/^chatcmpl-job_/);
    expect(response.headers.get('x-switchyard-deployment')).toBe('local');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes the client\'s x-request-id', async () => {
    const res = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}`, 'x-request-id': 'trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
  });

  it('lists model aliases in the OpenAI list shape', async () => {
    const models = await gateway.client(key).models.list();
    expect(models.data.map((m) => m.id)).toEqual(['mock']);
  });
});
