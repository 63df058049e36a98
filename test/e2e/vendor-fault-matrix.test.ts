import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../shared/jobs/job-record.js';
import { recordedErrorFault, startAnthropicEmulator, startGeminiEmulator, type Emulator, type EmulatorFault } from '../emulators/index.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

type Vendor = 'anthropic' | 'gemini';
type Outcome = { failover: true; code: string } | { failover: false; status: number };

const MATRIX: Array<[Vendor, string, EmulatorFault, Outcome]> = [
  ['anthropic', '500 api_error', recordedErrorFault('anthropic', 500), { failover: true, code: 'server_error' }],
  ['anthropic', '529 overloaded_error', recordedErrorFault('anthropic', 529), { failover: true, code: 'overloaded' }],
  ['anthropic', 'a hang past the timeout', { hang: true }, { failover: true, code: 'timeout' }],
  ['anthropic', 'a malformed body', { malformed: true }, { failover: true, code: 'server_error' }],
  ['anthropic', '400 invalid_request_error', recordedErrorFault('anthropic', 400), { failover: false, status: 400 }],
  ['gemini', '500 INTERNAL', recordedErrorFault('gemini', 500), { failover: true, code: 'server_error' }],
  ['gemini', '503 UNAVAILABLE', recordedErrorFault('gemini', 503), { failover: true, code: 'overloaded' }],
  ['gemini', 'a hang past the timeout', { hang: true }, { failover: true, code: 'timeout' }],
  ['gemini', 'a malformed body', { malformed: true }, { failover: true, code: 'server_error' }],
  ['gemini', '400 INVALID_ARGUMENT', recordedErrorFault('gemini', 400), { failover: false, status: 400 }],
  // Last per vendor: a recorded 429 pauses its deployment for every worker (17 s, 47 s), so a
  // case after it on the same deployment would wait the pause out.
  ['anthropic', '429 rate_limit_error', recordedErrorFault('anthropic', 429), { failover: true, code: 'rate_limited' }],
  ['gemini', '429 RESOURCE_EXHAUSTED', recordedErrorFault('gemini', 429), { failover: true, code: 'rate_limited' }],
];

/** Each vendor × failure class: the specified outcome, exactly one answer, every attempt recorded. */
describe('fault matrix for Anthropic and Gemini primaries', () => {
  let emulators: Record<Vendor, Emulator>;
  let gateway: TestGateway;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    emulators = { anthropic: await startAnthropicEmulator(), gemini: await startGeminiEmulator() };
    const primary = (provider: Vendor) => ({ provider, apiKey: 'sk-test-emulator', baseURL: emulators[provider].url, maxAttempts: 2, timeoutMs: 400, circuitBreaker: { minRequests: 10_000 } });
    gateway = await startTestGateway(
      testConfig({
        deployments: {
          anthropic: primary('anthropic'),
          gemini: primary('gemini'),
          'anthropic-down': { provider: 'anthropic', apiKey: 'x', baseURL: 'http://127.0.0.1:9', maxAttempts: 1 },
          'gemini-down': { provider: 'gemini', apiKey: 'x', baseURL: 'http://127.0.0.1:9', maxAttempts: 1 },
          local: { provider: 'mock' },
        },
        models: {
          anthropic: [{ deployment: 'anthropic', model: 'claude-sonnet-4-5' }, { deployment: 'local', model: 'mock-1' }],
          gemini: [{ deployment: 'gemini', model: 'gemini-2.5-flash' }, { deployment: 'local', model: 'mock-1' }],
          'anthropic-down': [{ deployment: 'anthropic-down', model: 'claude-sonnet-4-5' }, { deployment: 'local', model: 'mock-1' }],
          'gemini-down': [{ deployment: 'gemini-down', model: 'gemini-2.5-flash' }, { deployment: 'local', model: 'mock-1' }],
        },
        workers: { retryMaxDelayMs: 200 },
      }),
    );
    key = (await gateway.createKey('team-matrix')).key;
    client = gateway.client(key);
  });
  afterAll(async () => {
    await gateway?.close();
    await emulators?.anthropic.close();
    await emulators?.gemini.close();
  });

  async function attempts(response: Response): Promise<PublicJob['attempts']> {
    const id = response.headers.get('x-switchyard-job-id');
    return ((await (await fetch(`${gateway.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as PublicJob).attempts;
  }

  it.each(MATRIX)('%s primary, %s', async (vendor, _name, fault, outcome) => {
    emulators[vendor].faults.set(fault);
    try {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: vendor, messages: [{ role: 'user', content: `matrix ${vendor}` }] }),
      });
      const tried = await attempts(res);
      if (outcome.failover) {
        expect(res.status).toBe(200);
        expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe(`This is a mock response to: matrix ${vendor}`);
        const primaryTries = tried.filter((a) => a.deployment === vendor);
        expect(primaryTries.length).toBeGreaterThanOrEqual(1);
        expect(primaryTries.every((a) => a.error?.code === outcome.code)).toBe(true);
        expect(tried.at(-1)).toMatchObject({ deployment: 'local', status: 'succeeded' });
      } else {
        expect(res.status).toBe(outcome.status);
        expect(tried.map((a) => a.deployment)).toEqual([vendor]);
      }
    } finally {
      emulators[vendor].faults.set(null);
    }
  });

  it.each(['anthropic-down', 'gemini-down'])('%s: connection refused fails over', async (model) => {
    const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'refused' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('This is a mock response to: refused');
    expect((await attempts(response)).map((a) => a.error?.code ?? a.status)).toEqual(['connection', 'succeeded']);
  });
});
