import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheConfigSchema, type CacheConfig } from '../../shared/cache/cache-config.js';
import type { CacheRequest } from '../../shared/cache/cache-request.js';
import type { CacheContext } from '../../shared/cache/cache-scope.js';
import { vectorCollectionName, type Embedder } from '../../shared/cache/embedder.js';
import { EmbeddedVectorStore } from '../../shared/cache/embedded-vector-store.js';
import { SemanticCache } from '../../shared/cache/semantic-cache.js';
import { useLiteEmbedder } from '../../shared/cache/use-lite-embedder.js';
import { deletePrefix, testPrefix, testRedis } from '../helpers/test-redis.js';

let embedder: Embedder;
const admin = testRedis();
const clients: Redis[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  // Loaded once for the whole file (~0.3 s); every cache below shares it.
  embedder = await useLiteEmbedder();
});

afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(admin, prefix);
  for (const client of clients) client.disconnect();
  admin.disconnect();
});

const BASE_CONFIG = { sharedNamespaces: { support: { teams: ['a', 'b'] } }, models: { cheap: { semantic: { enabled: false } } } };

/** A cache instance as one API process would build it; `prefix` shared means the same Redis data. */
function openCache(prefix: string, clock: { now: number }, config: unknown = BASE_CONFIG): SemanticCache {
  const redis = testRedis();
  clients.push(redis);
  const now = (): number => clock.now;
  const parsed: CacheConfig = cacheConfigSchema.parse(config);
  const vectorStore = new EmbeddedVectorStore({ redis, keyPrefix: prefix, collection: vectorCollectionName(embedder), dimensions: embedder.dimensions, now });
  return new SemanticCache({ redis, keyPrefix: prefix, embedder, vectorStore, config: parsed, now, sweepIntervalMs: 0 });
}

function fresh(config?: unknown): { cache: SemanticCache; prefix: string; clock: { now: number } } {
  const prefix = testPrefix('sc');
  prefixes.push(prefix);
  const clock = { now: Date.now() };
  return { cache: openCache(prefix, clock, config), prefix, clock };
}

function ask(text: string, extra: Partial<CacheRequest> = {}): CacheRequest {
  return { model: 'gpt-4o', messages: [{ role: 'user', content: text }], temperature: 0, ...extra };
}

function answer(text: string): Record<string, unknown> {
  return { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] };
}

const A: CacheContext = { team: 'a', modelAlias: 'gpt-4o' };
const B: CacheContext = { team: 'b', modelAlias: 'gpt-4o' };

describe('SemanticCache', () => {
  it('answers an identical request from the exact tier and a paraphrase from the semantic tier', async () => {
    const { cache } = fresh();
    expect((await cache.lookup(ask('How do I reset my password?'), A)).status).toBe('miss');
    expect(await cache.store(ask('How do I reset my password?'), A, answer('Use the link.'))).toEqual({ exact: true, semantic: true });
    expect(await cache.lookup(ask('How do I reset my password?'), A)).toEqual({ status: 'hit-exact', response: answer('Use the link.') });
    const paraphrase = await cache.lookup(ask('How can I reset my password please?'), A);
    expect(paraphrase.status).toBe('hit-semantic');
    expect(paraphrase.response).toEqual(answer('Use the link.'));
    expect(paraphrase.similarity).toBeGreaterThan(0.8);
  });

  it("never serves team A's entry to team B, exactly or semantically", async () => {
    const { cache } = fresh();
    await cache.store(ask('What is our refund policy?'), A, answer('30 days'));
    expect((await cache.lookup(ask('What is our refund policy?'), B)).status).toBe('miss');
    expect((await cache.lookup(ask("What's our refund policy?"), B)).status).toBe('miss');
    expect((await cache.lookup(ask("What's our refund policy?"), A)).status).toBe('hit-semantic');
  });

  it('shares entries through a namespace only among the teams it lists', async () => {
    const { cache } = fresh();
    await cache.store(ask('What are your opening hours?'), { ...A, namespace: 'support' }, answer('9-5'));
    expect((await cache.lookup(ask('What are your opening hours?'), { ...B, namespace: 'support' })).status).toBe('hit-exact');
    expect((await cache.lookup(ask('What are your opening hours?'), B)).status).toBe('miss');
    expect(await cache.lookup(ask('What are your opening hours?'), { team: 'c', modelAlias: 'gpt-4o', namespace: 'support' })).toEqual({
      status: 'bypass',
      reason: 'namespace-not-shared',
    });
  });

  it.each<[string, Partial<CacheRequest>, CacheContext?]>([
    ['temperature', { temperature: 0.5 }],
    ['top_p', { top_p: 0.5 }],
    ['max_tokens', { max_tokens: 20 }],
    ['stop', { stop: ['\n'] }],
    ['seed', { seed: 7 }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['tools', { tools: [{ type: 'function', function: { name: 'lookup' } }] }],
    ['tool_choice', { tool_choice: 'none' }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['system prompt', { messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'How do I reset my password?' }] }],
    ['model alias', {}, { team: 'a', modelAlias: 'gpt-4o-mini' }],
  ])('keeps entries apart when %s differs', async (_field, change, ctx = A) => {
    const { cache } = fresh();
    await cache.store(ask('How do I reset my password?'), A, answer('base'));
    const changed = await cache.lookup(ask('How do I reset my password?', change), ctx);
    expect(changed.status).toBe('miss');
    const paraphrase = await cache.lookup(ask('How can I reset my password?', change), ctx);
    expect(paraphrase.status).toBe('miss');
  });

  it.each<[string, Partial<CacheRequest>]>([
    ['user', { user: 'someone-else' }],
    ['stream', { stream: true, stream_options: { include_usage: true } }],
    ['metadata', { metadata: { trace: 'x' } }],
  ])('ignores the volatile field %s', async (_field, change) => {
    const { cache } = fresh();
    await cache.store(ask('How do I reset my password?'), A, answer('base'));
    expect((await cache.lookup(ask('How do I reset my password?', change), A)).status).toBe('hit-exact');
  });

  it.each([
    ['How do I enable two-factor authentication?', 'How do I disable two-factor authentication?', 'near-miss:antonym'],
    ['What is the status of order 1234?', 'What is the status of order 1243?', 'near-miss:number'],
    ['Convert 100 °F to °C', 'Convert 100 °C to °F', 'near-miss:entity'],
    ['Which plants need direct sunlight?', "Which plants don't need direct sunlight?", 'near-miss:negation'],
  ])('does not serve %j for %j although they embed close', async (stored, asked, reason) => {
    const { cache } = fresh();
    await cache.store(ask(stored), A, answer('stored'));
    const unguarded = fresh({ ...BASE_CONFIG, semantic: { guard: false } }).cache;
    await unguarded.store(ask(stored), A, answer('stored'));
    // Without the guard the embedding alone would serve it: the guard is what stops it.
    expect((await unguarded.lookup(ask(asked), A)).status).toBe('hit-semantic');
    expect(await cache.lookup(ask(asked), A)).toEqual({ status: 'miss', reason });
  });

  it.each<[string, CacheRequest, string]>([
    ['a hot temperature', ask('How can I reset my password?', { temperature: 1.5 }), 'temperature'],
    ['n > 1', ask('How can I reset my password?', { n: 2 }), 'multiple-choices'],
    [
      'a tool result',
      ask('', {
        messages: [
          { role: 'user', content: 'How can I reset my password?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'kb', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'use the link' },
        ],
      }),
      'tool-results',
    ],
    [
      'an image',
      ask('', { messages: [{ role: 'user', content: [{ type: 'text', text: 'How can I reset my password?' }, { type: 'image_url' }] }] }),
      'non-text-content',
    ],
    [
      'more turns than maxTurns',
      ask('', {
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
          { role: 'user', content: 'so' },
          { role: 'assistant', content: 'yes?' },
          { role: 'user', content: 'How can I reset my password?' },
        ],
      }),
      'too-many-turns',
    ],
  ])('keeps a request with %s out of the semantic tier', async (_label, request, reason) => {
    const { cache } = fresh();
    await cache.store(ask('How do I reset my password?', { temperature: request.temperature, n: request.n }), A, answer('base'));
    expect(await cache.lookup(request, A)).toEqual({ status: 'miss', reason });
  });

  it('compares only the final prompt by meaning; earlier turns must match exactly', async () => {
    const { cache } = fresh();
    const turns = (first: string, reply: string, last: string): CacheRequest =>
      ask('', { messages: [{ role: 'user', content: first }, { role: 'assistant', content: reply }, { role: 'user', content: last }] });
    await cache.store(turns('I use the mobile app.', 'Got it.', 'How do I reset my password?'), A, answer('In the app: Settings.'));
    expect((await cache.lookup(turns('I use the mobile app.', 'Got it.', 'How can I reset my password?'), A)).status).toBe('hit-semantic');
    expect((await cache.lookup(turns('I use the website.', 'Got it.', 'How can I reset my password?'), A)).status).toBe('miss');
  });

  it('expires entries of both tiers after their TTL and sets the Redis TTL', async () => {
    const { cache, clock, prefix } = fresh();
    await cache.store(ask('How do I reset my password?'), A, answer('base'), 60);
    const [exactKey] = await admin.keys(`${prefix}:cache:x:*`);
    const pttl = await admin.pttl(exactKey ?? '');
    expect(pttl).toBeGreaterThan(55_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    clock.now += 59_000;
    expect((await cache.lookup(ask('How can I reset my password?'), A)).status).toBe('hit-semantic');
    clock.now += 2_000;
    expect((await cache.lookup(ask('How do I reset my password?'), A)).status).toBe('miss');
    expect((await cache.lookup(ask('How can I reset my password?'), A)).status).toBe('miss');
    expect(await cache.sweep()).toBe(1);
  });

  it('serves entries after a restart and to a second process that was already running', async () => {
    const { cache, prefix, clock } = fresh();
    const second = openCache(prefix, clock);
    expect((await second.lookup(ask('Where can I download my invoice?'), A)).status).toBe('miss');
    await cache.store(ask('Where can I download my invoice?'), A, answer('Billing page.'));
    const restarted = openCache(prefix, clock);
    for (const other of [second, restarted]) {
      const hit = await other.lookup(ask('Where do I download my invoice?'), A);
      expect([hit.status, hit.response]).toEqual(['hit-semantic', answer('Billing page.')]);
    }
  });

  it('purges one team from both tiers and keeps the others', async () => {
    const { cache, prefix, clock } = fresh();
    const other = openCache(prefix, clock);
    await cache.store(ask('How do I reset my password?'), A, answer('a'));
    await cache.store(ask('How do I reset my password?'), B, answer('b'));
    expect(await cache.purge({ team: 'a' })).toEqual({ exact: 1, semantic: 1 });
    for (const c of [cache, other]) {
      expect((await c.lookup(ask('How do I reset my password?'), A)).status).toBe('miss');
      expect((await c.lookup(ask('How can I reset my password?'), A)).status).toBe('miss');
      expect((await c.lookup(ask('How do I reset my password?'), B)).status).toBe('hit-exact');
    }
    await expect(cache.purge({})).rejects.toThrow(/team or a namespace/);
  });

  it('honours no-cache, a per-request threshold and per-alias overrides', async () => {
    const { cache } = fresh();
    await cache.store(ask('How do I reset my password?'), A, answer('base'));
    await cache.store(ask('How do I reset my password?'), { team: 'a', modelAlias: 'cheap' }, answer('cheap'));
    expect(await cache.lookup(ask('How do I reset my password?'), { ...A, noCache: true })).toEqual({ status: 'bypass', reason: 'no-cache' });
    expect((await cache.lookup(ask('How can I reset my password?'), { ...A, threshold: 0.999 })).status).toBe('miss');
    expect((await cache.lookup(ask('How can I reset my password?'), { team: 'a', modelAlias: 'cheap' })).reason).toBe('disabled');
    expect((await cache.lookup(ask('How do I reset my password?'), { team: 'a', modelAlias: 'cheap' })).status).toBe('hit-exact');
    await expect(cache.lookup(ask('x'), { ...A, threshold: 1.5 })).rejects.toThrow(RangeError);
  });

  it('bypasses when both tiers are disabled', async () => {
    const { cache } = fresh({ exact: { enabled: false }, semantic: { enabled: false } });
    expect(await cache.store(ask('hello'), A, answer('x'))).toEqual({ exact: false, semantic: false });
    expect(await cache.lookup(ask('hello'), A)).toEqual({ status: 'bypass', reason: 'disabled' });
  });
});
