import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, testConfig, type TestGateway } from '../helpers/test-gateway.js';

/**
 * Tracing by config: with `tracing.enabled` Switchyard opens spans through @opentelemetry/api, which
 * reach whatever SDK the operator registered (here an in-memory exporter); without it, none.
 */
describe('OpenTelemetry spans', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let traced: TestGateway;
  let untraced: TestGateway;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(provider);
    traced = await startTestGateway(testConfig({ tracing: { enabled: true } }));
    untraced = await startTestGateway(testConfig({}));
  });
  afterAll(async () => {
    await traced?.close();
    await untraced?.close();
    await provider.shutdown();
    trace.disable();
  });

  const ask = async (gateway: TestGateway, content: string): Promise<string> => {
    const key = (await gateway.createKey('team-trace')).key;
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock', messages: [{ role: 'user', content }] }),
    });
    expect(res.status).toBe(200);
    return res.headers.get('x-switchyard-job-id')!;
  };

  it('records a submit span and a vendor-call span for the job, without prompt text', async () => {
    const id = await ask(traced, 'secret prompt text');
    const spans = exporter.getFinishedSpans().filter((s) => s.attributes['switchyard.job_id'] === id);
    expect(spans.map((s) => s.name).sort()).toEqual(['switchyard.submit', 'switchyard.vendor_call']);
    const call = spans.find((s) => s.name === 'switchyard.vendor_call')!;
    expect(call.attributes).toMatchObject({ 'switchyard.team': 'team-trace', 'switchyard.deployment': 'local', 'switchyard.step': 0 });
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('secret prompt text');
  });

  it('opens no span when tracing is off', async () => {
    const id = await ask(untraced, 'hello');
    expect(exporter.getFinishedSpans().filter((s) => s.attributes['switchyard.job_id'] === id)).toEqual([]);
  });
});
