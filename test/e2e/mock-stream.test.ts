import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

describe('streaming through the queue (mock provider)', () => {
  let gateway: TestGateway;
  let key: string;

  beforeAll(async () => {
    gateway = await startTestGateway(testConfig());
    key = (await gateway.createKey('team-s')).key;
  });
  afterAll(async () => gateway?.close());

  it('streams chunks to the official SDK, ending with a usage chunk when asked', async () => {
    const stream = await gateway.client(key).chat.completions.create({
      model: 'mock',
      messages: [{ role: 'user', content: 'stream me please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage: unknown = null;
    let finish: string | null = null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
      expect(chunk.id).toMatch(/^chatcmpl-job_/);
    }
    expect(text).toBe('This is a mock response to: stream me please');
    expect(chunks).toBeGreaterThan(3);
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 });
  });

  it('sends no usage chunk when the client did not ask for one', async () => {
    const stream = await gateway.client(key).chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'x' }], stream: true });
    for await (const chunk of stream) expect(chunk.usage ?? null).toBeNull();
  });

  it('refuses streaming on async submits', async () => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ model: 'mock', messages: [{ role: 'user', content: 'x' }], stream: true }),
    });
    expect(res.status).toBe(400);
  });
});
