import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { queuedJobTotal } from '../helpers/queue-counts.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

const config = testConfig({ cache: { exact: { enabled: true }, semantic: { enabled: true } } });

describe('response cache through the API', () => {
  let gateway: TestGateway;
  let second: TestGateway | undefined;
  let teamA: string;
  let teamB: string;

  const chat = (key: string, body: unknown, headers: Record<string, string> = {}, base = gateway.url) =>
    fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'mock', messages: [{ role: 'user', content }], ...extra });

  /** Asks once (a miss answered by the worker), then waits until the worker's cache write is visible. */
  async function prime(key: string, body: unknown): Promise<void> {
    const first = await chat(key, body);
    expect(first.headers.get('x-switchyard-cache')).toBe('miss');
    const deadline = Date.now() + 10_000;
    while ((await chat(key, body, { 'x-switchyard-cache': 'only-if-cached' })).status !== 200) {
      if (Date.now() > deadline) throw new Error('the answer never reached the cache');
    }
  }

  beforeAll(async () => {
    gateway = await startTestGateway(config);
    teamA = (await gateway.createKey('team-a')).key;
    teamB = (await gateway.createKey('team-b')).key;
    await prime(teamA, ask('How do I reset my password?'));
  }, 60_000);
  afterAll(async () => {
    await second?.close();
    await gateway?.close();
  });

  it('answers a repeat from the exact tier without enqueueing', async () => {
    const before = await queuedJobTotal(config, 'local');
    const res = await chat(teamA, ask('How do I reset my password?'));
    expect(res.headers.get('x-switchyard-cache')).toBe('hit-exact');
    const body = (await res.json()) as { id: string; choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toBe('This is a mock response to: How do I reset my password?');
    expect(body.id).toMatch(/^chatcmpl-cache-/);
    expect(await queuedJobTotal(config, 'local')).toBe(before);
  });

  it('answers a paraphrase from the semantic tier, with its similarity', async () => {
    const res = await chat(teamA, ask('How can I reset my password?'));
    expect(res.headers.get('x-switchyard-cache')).toBe('hit-semantic');
    expect(Number(res.headers.get('x-switchyard-cache-similarity'))).toBeGreaterThan(0.75);
  });

  it.each([
    ['a negation', 'How do I not reset my password?'],
    ['a different object', 'How do I reset my username?'],
  ])('never serves %s', async (_what, content) => {
    const res = await chat(teamA, ask(content), { 'x-switchyard-cache': 'only-if-cached' });
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_cached');
  });

  it('never serves one team\'s answer to another team', async () => {
    const res = await chat(teamB, ask('How do I reset my password?'), { 'x-switchyard-cache': 'only-if-cached' });
    expect(res.status).toBe(504);
  });

  it('scopes entries by sampling parameters', async () => {
    const res = await chat(teamA, ask('How do I reset my password?', { temperature: 0.2 }), { 'x-switchyard-cache': 'only-if-cached' });
    expect(res.status).toBe(504);
  });

  it('skips the lookup with no-cache and rejects bad control values', async () => {
    const res = await chat(teamA, ask('How do I reset my password?'), { 'x-switchyard-cache': 'no-cache, no-store' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-cache')).toBe('bypass');
    expect((await chat(teamA, ask('x'), { 'x-switchyard-cache-threshold': '1.5' })).status).toBe(400);
    expect((await chat(teamA, ask('x'), { 'x-switchyard-cache': 'sometimes' })).status).toBe(400);
  });

  it('does not store an answer requested with no-store', async () => {
    await chat(teamA, ask('What is the capital of Peru?'), { 'x-switchyard-cache': 'no-store' });
    // A later request that does store proves the worker has written what it was going to.
    await prime(teamA, ask('What is the capital of Chile?'));
    const res = await chat(teamA, ask('What is the capital of Peru?'), { 'x-switchyard-cache': 'only-if-cached' });
    expect(res.status).toBe(504);
  });

  it('streams a cached answer to a stream: true client', async () => {
    const stream = await gateway.client(teamA).chat.completions.create({ ...ask('How do I reset my password?'), stream: true } as never);
    let text = '';
    for await (const chunk of stream as unknown as AsyncIterable<{ choices: Array<{ delta: { content?: string } }> }>) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('This is a mock response to: How do I reset my password?');
  });

  it('keeps an entry only as long as x-switchyard-cache-ttl says', async () => {
    const body = ask('What is the boiling point of water?');
    const first = await chat(teamA, body, { 'x-switchyard-cache-ttl': '1' });
    expect(first.headers.get('x-switchyard-cache')).toBe('miss');
    const stored = Date.now();
    // Wait for the worker's write, then for the expiry: both bounded, both observed, not slept.
    let res: Response;
    do res = await chat(teamA, body, { 'x-switchyard-cache': 'only-if-cached' });
    while (res.status !== 200 && Date.now() - stored < 5000);
    expect(res.status).toBe(200);
    do res = await chat(teamA, body, { 'x-switchyard-cache': 'only-if-cached' });
    while (res.status === 200 && Date.now() - stored < 5000);
    expect(res.status).toBe(504);
    expect(Date.now() - stored).toBeGreaterThanOrEqual(900);
  });

  it('lets a request raise the similarity threshold with x-switchyard-cache-threshold', async () => {
    const strict = await chat(teamA, ask('How can I reset my password?'), { 'x-switchyard-cache': 'only-if-cached', 'x-switchyard-cache-threshold': '0.9999' });
    expect(strict.status).toBe(504);
    const loose = await chat(teamA, ask('How can I reset my password?'), { 'x-switchyard-cache': 'only-if-cached', 'x-switchyard-cache-threshold': '0.5' });
    expect(loose.headers.get('x-switchyard-cache')).toBe('hit-semantic');
  });

  it('stores a streamed answer once it is complete, and serves it to a non-streaming client', async () => {
    const body = ask('Name three primary colours');
    const stream = await gateway.client(teamA).chat.completions.create({ ...body, stream: true } as never);
    let streamed = '';
    for await (const chunk of stream as unknown as AsyncIterable<{ choices: Array<{ delta: { content?: string } }> }>) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toBe('This is a mock response to: Name three primary colours');
    const deadline = Date.now() + 10_000;
    let res: Response;
    do res = await chat(teamA, body, { 'x-switchyard-cache': 'only-if-cached' });
    while (res.status !== 200 && Date.now() < deadline);
    expect(res.headers.get('x-switchyard-cache')).toBe('hit-exact');
    const cached = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(cached.choices[0]?.message.content).toBe(streamed);
  });

  it('answers an async job from the cache: the job is born succeeded', async () => {
    const res = await fetch(`${gateway.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${teamA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ request: ask('How do I reset my password?') }),
    });
    const job = (await res.json()) as PublicJob;
    expect(res.headers.get('x-switchyard-cache')).toBe('hit-exact');
    expect(job.status).toBe('succeeded');
    expect(job.attempts).toEqual([]);
    expect(job.result?.id).toBe(`chatcmpl-${job.id}`);
  });

  it('shares entries with a second API process', async () => {
    second = await startTestGateway(config, { roles: { api: true, worker: false } });
    const res = await chat(teamA, ask('How can I reset my password?'), {}, second.url);
    expect(res.headers.get('x-switchyard-cache')).toBe('hit-semantic');
  });

  it('purges a team\'s entries on the admin endpoint', async () => {
    const purged = await gateway.admin('/admin/cache/purge', { method: 'POST', body: JSON.stringify({ team: 'team-a' }) });
    expect(purged.status).toBe(200);
    const removed = ((await purged.json()) as { removed: { exact: number; semantic: number } }).removed;
    expect(removed.exact).toBeGreaterThan(0);
    expect(removed.semantic).toBeGreaterThan(0);
    const res = await chat(teamA, ask('How do I reset my password?'), { 'x-switchyard-cache': 'only-if-cached' });
    expect(res.status).toBe(504);
  });
});
