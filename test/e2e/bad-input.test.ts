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

  it.each([
    ['malformed JSON', '/v1/chat/completions', '{"model": "mock", "messages": [', 400, 'invalid_request', null],
    ['a wrong role', '/v1/chat/completions', JSON.stringify({ model: 'mock', messages: [{ role: 'wizard', content: 'hi' }] }), 400, 'invalid_request', 'messages[0].role'],
    ['a missing field', '/v1/chat/completions', JSON.stringify({ model: 'mock' }), 400, 'invalid_request', 'messages'],
    ['an out-of-range temperature', '/v1/chat/completions', JSON.stringify({ ...ok, temperature: 7 }), 400, 'invalid_request', 'temperature'],
    ['an unknown argument', '/v1/chat/completions', JSON.stringify({ ...ok, temprature: 1 }), 400, 'invalid_request', 'temprature'],
    ['an unknown model', '/v1/chat/completions', JSON.stringify({ ...ok, model: 'gpt-9' }), 404, 'model_not_found', 'model'],
    ['a body over the limit', '/v1/chat/completions', JSON.stringify({ ...ok, messages: [{ role: 'user', content: 'x'.repeat(4096) }] }), 413, 'payload_too_large', null],
    ['a streaming async job', '/v1/jobs', JSON.stringify({ request: { ...ok, stream: true } }), 400, 'invalid_request', 'request.stream'],
    ['a bad request inside a job', '/v1/jobs', JSON.stringify({ request: { ...ok, n: 0 } }), 400, 'invalid_request', 'request.n'],
    ['a job without a request', '/v1/jobs', JSON.stringify({ metadata: {} }), 400, 'invalid_request', 'request'],
    ['a non-http webhook', '/v1/jobs', JSON.stringify({ request: ok, webhook: { url: 'ftp://example.com/hook' } }), 400, 'invalid_request', 'webhook.url'],
    ['a loopback webhook', '/v1/jobs', JSON.stringify({ request: ok, webhook: { url: 'http://127.0.0.1:9/hook' } }), 400, 'invalid_request', 'webhook.url'],
    ['an unknown priority', '/v1/jobs', JSON.stringify({ request: ok, priority: 'urgent' }), 400, 'invalid_request', 'priority'],
  ])('%s → %i %s', async (_name, path, body, status, code, param) => {
    const before = await queuedJobTotal(config, 'local');
    const res = await post(path, body);
    expect(res.status).toBe(status);
    const error = ((await res.json()) as ErrorBody).error;
    expect(error.code).toBe(code);
    expect(error.param).toBe(param);
    expect(typeof error.message).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    expect(await queuedJobTotal(config, 'local')).toBe(before);
  });

  it('401s a missing, an unknown and a revoked key, without echoing the key', async () => {
    expect((await post('/v1/chat/completions', JSON.stringify(ok), null)).status).toBe(401);
    const unknown = await post('/v1/chat/completions', JSON.stringify(ok), 'sy-not-a-real-key');
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).not.toContain('sy-not-a-real-key');

    const created = await gateway.createKey('team-r');
    expect((await post('/v1/jobs', JSON.stringify({ request: ok }), created.key)).status).toBe(202);
    const revoked = await gateway.admin(`/admin/keys/${created.id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    const after = await post('/v1/jobs', JSON.stringify({ request: ok }), created.key);
    expect(after.status).toBe(401);
    expect(((await after.json()) as ErrorBody).error.code).toBe('invalid_api_key');
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
