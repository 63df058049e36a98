import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINISH_SCRIPT } from '../../shared/jobs/job-scripts.js';
import { SETTLE_SCRIPT } from '../../shared/rate-limit/bucket-scripts.js';
import { RECORD_SCRIPT } from '../../shared/usage/usage-scripts.js';
import { recordCommands, type SentBatch } from '../deploy/recording-redis.js';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

const sha = (source: string): string => createHash('sha1').update(source).digest('hex');

/**
 * What a worker sends once a paced vendor call succeeded. Redis runs one connection's commands in
 * the order they were sent, and FINISH publishes the answer to the waiting client: so whatever must
 * be true when the client has its answer has to leave the worker before FINISH.
 */
describe('a successful attempt reaches Redis in the order the client relies on', () => {
  const config = testConfig({ deployments: { local: { provider: 'mock', rpm: 1_000, tpm: 1_000_000 } } });
  let api: TestGateway;
  let worker: TestGateway;
  let sent: SentBatch[];

  beforeAll(async () => {
    api = await startTestGateway(config, { roles: { api: true, worker: false } });
    worker = await startTestGateway(config, { roles: { api: false, worker: true } });
    sent = recordCommands(worker.redis);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('sends the usage record and the TPM bucket settle before FINISH', async () => {
    const { key } = await api.createKey('team-order');
    const completion = await api.client(key).chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'in order, please' }] });
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);

    const scripts = sent.flatMap((batch) => batch.commands).filter((c) => c.name === 'evalsha').map((c) => String(c.args[0]));
    const position = (source: string): number => scripts.indexOf(sha(source));
    expect(position(FINISH_SCRIPT)).toBeGreaterThan(0);
    expect(position(RECORD_SCRIPT)).toBeGreaterThanOrEqual(0);
    expect(position(SETTLE_SCRIPT)).toBeGreaterThanOrEqual(0);
    expect(position(RECORD_SCRIPT)).toBeLessThan(position(FINISH_SCRIPT));
    expect(position(SETTLE_SCRIPT)).toBeLessThan(position(FINISH_SCRIPT));
  });
});
