import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSubmitter } from '../../api/job-submitter.js';
import { chatRequestSchema, type ChatRequest } from '../../shared/canonical/chat-request.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { JobStore } from '../../shared/jobs/job-store.js';
import { LlmQueues } from '../../shared/queues/llm-queues.js';
import { WebhookQueue } from '../../shared/queues/webhook-queue.js';
import { TokenBuckets } from '../../shared/rate-limit/index.js';
import { RedisKeys } from '../../shared/redis/redis-keys.js';
import { queuedJobTotal } from '../helpers/queue-counts.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';
import { testRedis } from '../helpers/test-redis.js';

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/**
 * Content parts a vendor cannot take: the API answers 400 naming the part before anything is
 * enqueued, and a route is narrowed to the targets that can take the request. No worker runs, so
 * whatever was enqueued would still be in its queue to count.
 */
const config = testConfig({
  deployments: {
    // Never called (no worker role): the keys only satisfy the config's apiKey rule.
    'anthropic-main': { provider: 'anthropic', apiKey: 'sk-test-unused' },
    'gemini-main': { provider: 'gemini', apiKey: 'sk-test-unused' },
    local: { provider: 'mock' },
  },
  models: {
    claude: [{ deployment: 'anthropic-main', model: 'claude-sonnet-4-5' }],
    mixed: [
      { deployment: 'anthropic-main', model: 'claude-sonnet-4-5' },
      { deployment: 'gemini-main', model: 'gemini-2.5-flash' },
      { deployment: 'local', model: 'mock-1' },
    ],
    'vendors-only': [
      { deployment: 'anthropic-main', model: 'claude-sonnet-4-5' },
      { deployment: 'gemini-main', model: 'gemini-2.5-flash' },
    ],
  },
});

const DEPLOYMENTS = ['anthropic-main', 'gemini-main', 'local'] as const;

const audio = { type: 'input_audio' as const, input_audio: { data: 'UklGRiQAAABXQVZF', format: 'wav' } };
const fileId = { type: 'file' as const, file: { file_id: 'file-abc123' } };

/** A request whose second message's second part is `part` (so its param is messages[1].content[1]). */
function withPart(model: string, part: typeof audio | typeof fileId): ChatRequest {
  return chatRequestSchema.parse({
    model,
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'what is this?' }, part] },
    ],
  });
}

const textOnly = (model: string): ChatRequest => chatRequestSchema.parse({ model, messages: [{ role: 'user', content: 'hi' }] });

async function queueTotals(): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const deployment of DEPLOYMENTS) totals[deployment] = await queuedJobTotal(config, deployment);
  return totals;
}

describe('JobSubmitter.plan narrows a route to the targets that can take the request', () => {
  let redis: Redis;
  let queues: LlmQueues;
  let webhooks: WebhookQueue;
  let submitter: JobSubmitter;

  beforeAll(() => {
    redis = testRedis();
    const keys = new RedisKeys(config.redis.keyPrefix);
    queues = new LlmQueues(redis, keys);
    webhooks = new WebhookQueue(redis, keys, config.webhooks);
    submitter = new JobSubmitter(config, redis, keys, new JobStore(redis, keys, 60), queues, webhooks, new TokenBuckets(redis, config.redis.keyPrefix), () => 1);
  });
  afterAll(async () => {
    await queues?.close();
    await webhooks?.close();
    await redis?.quit();
  });

  it('keeps the whole route when the primary can take the request', () => {
    expect(submitter.plan(textOnly('mixed')).map((t) => t.deployment)).toEqual(['anthropic-main', 'gemini-main', 'local']);
  });

  it('drops a primary that cannot take a part, keeping the later targets that can, in order', () => {
    // Anthropic takes no audio; Gemini takes wav as inlineData; the mock takes anything canonical.
    expect(submitter.plan(withPart('mixed', audio)).map((t) => t.deployment)).toEqual(['gemini-main', 'local']);
  });

  it("throws the first target's 400 when no target can take the request", () => {
    // Both vendors refuse OpenAI file ids, each with its own message: the answer is Anthropic's.
    let thrown: unknown;
    try {
      submitter.plan(withPart('vendors-only', fileId));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    const error = thrown as GatewayError;
    expect(error.status).toBe(400);
    expect(error.param).toBe('messages[1].content[1]');
    expect(error.message).toContain('Anthropic cannot read OpenAI file ids');
  });
});

describe('over HTTP: a part the vendor cannot take is a 400 naming it, with nothing enqueued', () => {
  let gateway: TestGateway;
  let key: string;

  const post = (path: string, body: unknown) =>
    fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });

  beforeAll(async () => {
    gateway = await startTestGateway(config, { roles: { api: true, worker: false } });
    key = (await gateway.createKey('team-parts')).key;
  });
  afterAll(async () => gateway?.close());

  it.each([
    ['a synchronous completion', '/v1/chat/completions', (request: ChatRequest) => request],
    ['an async job', '/v1/jobs', (request: ChatRequest) => ({ request })],
  ])('rejects input_audio on an Anthropic-only route (%s)', async (_name, path, wrap) => {
    const before = await queueTotals();
    const res = await post(path, wrap(withPart('claude', audio)));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorBody;
    expect(error.type).toBe('invalid_request_error');
    // Translation errors name the part within the request itself, on both endpoints.
    expect(error.param).toBe('messages[1].content[1]');
    expect(error.message).toContain('Anthropic does not take audio input');
    expect(await queueTotals()).toEqual(before);
    expect(before['anthropic-main']).toBe(0);
  });

  it("enqueues a narrowed job on the first target that can take it, never on the primary's queue", async () => {
    const before = await queueTotals();
    const res = await post('/v1/jobs', { request: withPart('mixed', audio) });
    expect(res.status, await res.clone().text()).toBe(202);
    const job = (await res.json()) as PublicJob;
    expect(await queueTotals()).toEqual({ ...before, 'gemini-main': before['gemini-main']! + 1 });
    const store = new JobStore(gateway.redis, new RedisKeys(config.redis.keyPrefix), 60);
    expect((await store.get(job.id))?.route.map((t) => t.deployment)).toEqual(['gemini-main', 'local']);
  });
});
