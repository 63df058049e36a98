import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

/**
 * The hot lane serves POST /v1/jobs and /v1/chat/completions without Express's router; a query
 * string sends the same request through Express. Both must answer alike, errors included.
 */
describe('the hot lane answers like the Express routes it stands in for', () => {
  const config = testConfig({ server: { bodyLimitBytes: 2048 } });
  let gateway: TestGateway;
  let key: string;
  const ok = { model: 'mock', messages: [{ role: 'user', content: 'hi' }] };

  beforeAll(async () => {
    gateway = await startTestGateway(config);
    key = (await gateway.createKey('team-lane')).key;
  });
  afterAll(async () => gateway?.close());

  async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
    const res = await fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-request-id': 'req-lane-1', ...headers },
      body,
    });
    const json = (await res.json()) as Record<string, unknown>;
    return { status: res.status, requestId: res.headers.get('x-request-id'), contentType: res.headers.get('content-type'), json };
  }

  /** The same request through the lane and through Express (the query string), side by side. */
  async function bothWays(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
    return [await post(path, body, headers), await post(`${path}?via=express`, body, headers)] as const;
  }

  it.each([
    ['malformed JSON', '/v1/chat/completions', '{"model":'],
    ['a JSON string', '/v1/jobs', '"hello"'],
    ['a body over the limit', '/v1/jobs', JSON.stringify({ request: { ...ok, messages: [{ role: 'user', content: 'x'.repeat(4096) }] } })],
    ['an empty body', '/v1/chat/completions', ''],
    ['a bad field', '/v1/chat/completions', JSON.stringify({ ...ok, temperature: 7 })],
  ])('%s: the same error both ways', async (_name, path, body) => {
    const [lane, express] = await bothWays(path, body);
    expect(lane.status).toBeGreaterThanOrEqual(400);
    expect(lane).toEqual(express);
    expect(lane.requestId).toBe('req-lane-1');
  });

  it('a missing key is the same 401 both ways', async () => {
    const [lane, express] = await bothWays('/v1/jobs', JSON.stringify({ request: ok }), { authorization: '' });
    expect(lane.status).toBe(401);
    expect(lane).toEqual(express);
  });

  it('accepts jobs and answers completions both ways, counted under one route label', async () => {
    const [laneJob, expressJob] = await bothWays('/v1/jobs', JSON.stringify({ request: ok }));
    expect([laneJob.status, expressJob.status]).toEqual([202, 202]);
    expect(Object.keys(laneJob.json).sort()).toEqual(Object.keys(expressJob.json).sort());
    const [lane, express] = await bothWays('/v1/chat/completions', JSON.stringify(ok));
    expect([lane.status, express.status]).toEqual([200, 200]);
    expect(lane.json.choices).toEqual(express.json.choices);

    const metrics = await (await gateway.admin('/metrics')).text();
    expect(metrics).toMatch(/switchyard_http_requests_total\{route="\/v1\/jobs",status="202"\} 2/);
    expect(metrics).toMatch(/switchyard_http_requests_total\{route="\/v1\/chat\/completions",status="200"\} 2/);
  });

  it('leaves a gzip body to body-parser, which inflates it', async () => {
    const res = await post('/v1/chat/completions', gzipSync(JSON.stringify(ok)), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
  });
});
