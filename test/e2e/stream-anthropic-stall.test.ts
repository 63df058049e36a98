import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { startAnthropicEmulator, type Emulator } from '../emulators/index.js';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai-emulator.js';
import { recordingClient } from '../helpers/sse-recorder.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

/** The Anthropic deployment's `timeoutMs`: for a stream, the bound on the time to its first answer chunk. */
const FIRST_TOKEN_MS = 300;
/** Well under FIRST_TOKEN_MS, so several pings arrive before the deadline: they must not reset it. */
const PING_EVERY_MS = 50;

/**
 * Anthropic's streams open with `message_start`, `content_block_start` (empty text) and `ping`
 * before any text (fixtures/anthropic/stream_text.recorded.sse). None of these carries part of the
 * answer, so a stream that stops there has sent the client nothing: it must fail over like any
 * failure before the first token, on the time-to-first-token deadline.
 */
describe('streams: Anthropic sends its opening events and pings, then no text', () => {
  let anthropic: Emulator;
  let fallback: OpenAIEmulator;
  let gateway: TestGateway;
  let key: string;

  beforeAll(async () => {
    [anthropic, fallback] = await Promise.all([startAnthropicEmulator(), startOpenAIEmulator()]);
    const quiet = { circuitBreaker: { minRequests: 10_000 } };
    gateway = await startTestGateway(
      testConfig({
        deployments: {
          'claude-main': { provider: 'anthropic', apiKey: 'sk-test-emulator', baseURL: anthropic.url, maxAttempts: 1, timeoutMs: FIRST_TOKEN_MS, ...quiet },
          'oa-fallback': { provider: 'openai', apiKey: 'sk-test-emulator', baseURL: fallback.url, ...quiet },
        },
        models: { claude: [{ deployment: 'claude-main', model: 'claude-sonnet-4-5' }, { deployment: 'oa-fallback', model: 'gpt-4o-mini' }] },
      }),
    );
    key = (await gateway.createKey('team-anthropic-stall')).key;
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([anthropic?.close(), fallback?.close()]);
  });

  it('fails over on the time-to-first-token deadline: one clean stream from the fallback, the Anthropic call hung up on', async () => {
    // message_start, content_block_start, ping — as recorded — then only pings.
    anthropic.faults.set({ stallStreamAfterChunks: 3, keepAliveMs: PING_EVERY_MS, times: 1 });
    const before = anthropic.requests.length;
    const { client, bodies } = recordingClient(gateway.url, key);
    const startedMs = performance.now();
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'ping then hang' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const roles: string[] = [];
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.role) roles.push(chunk.choices[0].delta.role);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    const elapsedMs = performance.now() - startedMs;

    // The Anthropic start (its role chunk) was held back: the client sees the fallback's stream alone.
    expect(roles).toEqual(['assistant']);
    expect(text).toBe('echo: ping then hang');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(4);
    const raw = await bodies[0]!;
    expect(raw.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(raw).not.toContain('"error"');
    expect(raw.match(/"role":"assistant"/g)).toHaveLength(1);

    // The streamed Anthropic call got its opening events and pings, and the worker hung up on it.
    const call = anthropic.requests[before]!;
    expect(call.body.stream).toBe(true);
    expect(await call.outcome).toBe('aborted');
    // The pings did not reset the deadline: the fallback only started after it.
    expect(elapsedMs).toBeGreaterThanOrEqual(FIRST_TOKEN_MS);

    const job = (await (await fetch(`${gateway.url}/v1/jobs/${response.headers.get('x-switchyard-job-id')}`, { headers: { authorization: `Bearer ${key}` } })).json()) as PublicJob;
    expect(job.status).toBe('succeeded');
    expect(job.attempts.map((a) => `${a.deployment}:${a.status}:${a.error?.code ?? '-'}`)).toEqual(['claude-main:failed:timeout', 'oa-fallback:succeeded:-']);
    expect(job.attempts[0]!.latency_ms).toBeGreaterThanOrEqual(FIRST_TOKEN_MS);
    // Nothing the client was shown came from the failed attempt, and the answer is the fallback's.
    expect(job.result?.model).toBe('gpt-4o-mini');
  });
});
