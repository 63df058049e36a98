import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuedJobTotal } from '../helpers/queue-counts.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

describe('bad input gets a 4xx in the OpenAI error shape and enqueues nothing', () => {
  const config = testConfig({ server: { bodyLimitBytes: 2048 }, webhooks: { allowPrivate: false } });
  let gateway: TestGateway;
  let key: string;

  const post = (path: string, body: string, auth: string | null = key) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: `Bearer ${auth}` }) },
      body,
    });

  beforeAll(async () => {
    // API only: had anything been enqueued, it would still be in the queue to count.
    gateway = await startTestGateway(config, { roles: { api: true, worker: false } });
    key = (await gateway.createKey('team-a')).key;
  });
  afterAll(async () => gateway?.close());

  const ok = { model: 'mock', messages: [{ role: 'user', content: 'hi' }] };

  /** The official SDK's error for a request, as the fields a client branches on. */
  async function sdkError(call: Promise<unknown>): Promise<{ status: number | undefined; code: unknown; param: unknown; type: unknown; message: string }> {
    const err = await call.then(
      () => null,
      (e: unknown) => e,
    );
    if (!(err instanceof OpenAI.APIError)) throw new Error(`expected an API error, got ${String(err)}`);
    return { status: err.status, code: err.code, param: err.param, type: err.type, message: err.message };
  }

  // Bodies the SDK can send: every case but malformed JSON goes through the official client.
  it.each([
    ['a wrong role', 'chat', { model: 'mock', messages: [{ role: 'wizard', content: 'hi' }] }, 400, 'invalid_request', 'messages[0].role'],
    ['a missing field', 'chat', { model: 'mock' }, 400, 'invalid_request', 'messages'],
    ['an out-of-range temperature', 'chat', { ...ok, temperature: 7 }, 400, 'invalid_request', 'temperature'],
    ['an unknown argument', 'chat', { ...ok, temprature: 1 }, 400, 'invalid_request', 'temprature'],
    ['an unknown model', 'chat', { ...ok, model: 'gpt-9' }, 404, 'model_not_found', 'model'],
    ['a body over the limit', 'chat', { ...ok, messages: [{ role: 'user', content: 'x'.repeat(4096) }] }, 413, 'payload_too_large', null],
    ['a streaming async job', 'jobs', { request: { ...ok, stream: true } }, 400, 'invalid_request', 'request.stream'],
    ['a bad request inside a job', 'jobs', { request: { ...ok, n: 0 } }, 400, 'invalid_request', 'request.n'],
    ['a job without a request', 'jobs', { metadata: {} }, 400, 'invalid_request', 'request'],
    ['a non-http webhook', 'jobs', { request: ok, webhook: { url: 'ftp://example.com/hook' } }, 400, 'invalid_request', 'webhook.url'],
    ['a loopback webhook', 'jobs', { request: ok, webhook: { url: 'http://127.0.0.1:9/hook' } }, 400, 'invalid_request', 'webhook.url'],
    ['an unknown priority', 'jobs', { request: ok, priority: 'urgent' }, 400, 'invalid_request', 'priority'],
  ] as const)('%s → %i %s', async (_name, route, body, status, code, param) => {
    const before = await queuedJobTotal(config, 'local');
    const client = gateway.client(key);
    const call = route === 'chat' ? client.chat.completions.create(body as unknown as ChatCompletionCreateParamsNonStreaming) : client.post('/jobs', { body });
    const error = await sdkError(call);
    expect(error).toMatchObject({ status, code, param });
    expect(error.message.length).toBeGreaterThan(0);
    expect(await queuedJobTotal(config, 'local')).toBe(before);
  });

  // The SDK only sends valid JSON, so this one case is raw HTTP.
  it('malformed JSON → 400 invalid_request', async () => {
    const before = await queuedJobTotal(config, 'local');
    const res = await post('/v1/chat/completions', '{"model": "mock", "messages": [');
    expect(res.status).toBe(400);
    const error = ((await res.json()) as ErrorBody).error;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param: null });
    expect(error.message.length).toBeGreaterThan(0);
    expect(await queuedJobTotal(config, 'local')).toBe(before);
  });

  it('401s a missing, an unknown and a revoked key, without echoing the key', async () => {
    // The SDK refuses to send no key at all: raw HTTP for that one.
    expect((await post('/v1/chat/completions', JSON.stringify(ok), null)).status).toBe(401);
    const unknown = await sdkError(gateway.client('sy-not-a-real-key').chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'hi' }] }));
    expect(unknown).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'authentication_error' });
    expect(unknown.message).not.toContain('sy-not-a-real-key');

    const created = await gateway.createKey('team-r');
    const revocable = gateway.client(created.key);
    expect((await revocable.post<{ status: string }>('/jobs', { body: { request: ok } })).status).toBe('queued');
    const revoked = await gateway.admin(`/admin/keys/${created.id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    const after = await sdkError(revocable.post('/jobs', { body: { request: ok } }));
    expect(after).toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('keeps admin routes behind the admin key and never lists secrets', async () => {
    const anonymous = await fetch(`${gateway.url}/admin/keys`);
    expect(anonymous.status).toBe(401);
    const withVirtualKey = await fetch(`${gateway.url}/admin/keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(withVirtualKey.status).toBe(401);
    const listed = await gateway.admin('/admin/keys');
    const text = await listed.text();
    expect(listed.status).toBe(200);
    expect(text).toContain('team-a');
    expect(text).not.toContain(key);
    expect(text).not.toContain('whsec_');
    expect(text).not.toContain('key_hash');
    const board = await fetch(`${gateway.url}/admin/queues`);
    expect(board.status).toBe(401);
  });
});
