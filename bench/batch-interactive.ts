/**
 * Does a big batch starve interactive traffic on the same deployment? Runs interactive
 * `/v1/chat/completions` calls at a steady rate, first alone, then while a 10,000-line batch runs
 * on the same deployment, and reports the interactive queue wait (submit → vendor call starts) and
 * latency percentiles for both, plus the batch's own throughput.
 *
 * The deployment is the built-in mock provider behind a fixed service time with limited concurrency
 * (default 20 ms × 8), so its queue is genuinely contended: the batch alone would keep it busy for
 * ~25 s. Needs Redis (TEST_REDIS_URL, default 127.0.0.1:6379); writes under a throwaway prefix.
 *
 *   npx tsx bench/batch-interactive.ts [--lines 10000] [--concurrency 8] [--service-ms 20] [--rate 20] [--baseline-s 5]
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import OpenAI from 'openai';
import { contentText } from '../shared/canonical/chat-request.js';
import { llmQueueName } from '../shared/queues/queue-names.js';
import { createMockRuntime } from '../workers/providers/mock/mock-runtime.js';
import type { ProviderRuntime } from '../workers/providers/provider-runtime.js';
import { chatLine, startBatchHarness } from '../test/batches/batch-harness.js';
import { batchEnded } from '../test/batches/webhook-wait.js';
import { testConfig } from '../test/helpers/test-gateway.js';
import { startWebhookReceiver } from '../test/helpers/webhook-receiver.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const LINES = arg('lines', 10_000);
const CONCURRENCY = arg('concurrency', 8);
const SERVICE_MS = arg('service-ms', 20);
const RATE = arg('rate', 20);
const BASELINE_S = arg('baseline-s', 5);

/** When each interactive call reached the "vendor", by its sequence number. */
const started = new Map<number, number>();
let batchCalls = 0;
let firstBatchCall: () => void = () => undefined;
const batchRunning = new Promise<void>((resolve) => (firstBatchCall = resolve));
const mock = createMockRuntime();
// The simulated vendor: a fixed service time per call (the sleep *is* the vendor's work).
const vendor: ProviderRuntime = {
  async complete(request, model, context, options) {
    const text = contentText([...request.messages].reverse().find((m) => m.role === 'user')?.content);
    const interactive = /^interactive (\d+)$/.exec(text);
    if (interactive) started.set(Number(interactive[1]), performance.now());
    else if (++batchCalls === 1) firstBatchCall();
    await sleep(SERVICE_MS);
    return mock.complete(request, model, context, options);
  },
  stream: (request, model, context, options, onChunk) => mock.stream(request, model, context, options, onChunk),
};

const harness = await startBatchHarness(testConfig({ deployments: { local: { provider: 'mock', concurrency: CONCURRENCY } } }, `sybench-batch-${process.pid}`), {
  runtimes: new Map([['local', vendor]]),
  // Production defaults for the runner's pace.
  batches: { tickMs: 1000, sweepIntervalMs: 10_000 },
});
const receiver = await startWebhookReceiver();
const interactiveKey = (await harness.gateway.createKey('team-interactive')).key;
const batchClient = harness.client((await harness.gateway.createKey('team-batch')).key);
const interactive = new OpenAI({ apiKey: interactiveKey, baseURL: `${harness.gateway.url}/v1`, maxRetries: 0 });

let seq = 0;
interface Sample {
  waitMs: number;
  latencyMs: number;
}

/** Open-loop interactive traffic at RATE per second until `stop()` says so; resolves with the samples. */
async function interactiveLoad(stop: () => boolean): Promise<{ samples: Sample[]; errors: number }> {
  const calls: Array<Promise<Sample | null>> = [];
  const intervalMs = 1000 / RATE;
  const begin = performance.now();
  for (let n = 0; !stop(); n++) {
    const id = ++seq;
    const sentAt = performance.now();
    calls.push(
      interactive.chat.completions
        .create({ model: 'mock', messages: [{ role: 'user', content: `interactive ${id}` }] })
        .then(() => ({ waitMs: (started.get(id) ?? NaN) - sentAt, latencyMs: performance.now() - sentAt }))
        .catch(() => null),
    );
    await sleep(Math.max(0, begin + (n + 1) * intervalMs - performance.now()));
  }
  const results = await Promise.all(calls);
  const samples = results.filter((s): s is Sample => s !== null);
  return { samples, errors: results.length - samples.length };
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN).toFixed(1);
  return `p50 ${at(0.5)}  p95 ${at(0.95)}  p99 ${at(0.99)}  max ${at(1)} ms`;
}

console.log(`# batch vs interactive — ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} cores`);
console.log(`deployment: mock, ${SERVICE_MS} ms per call, concurrency ${CONCURRENCY} (capacity ≈ ${Math.round((1000 / SERVICE_MS) * CONCURRENCY)} calls/s); interactive at ${RATE}/s; batch of ${LINES} lines\n`);

// 1. Interactive traffic alone.
const baselineEnd = performance.now() + BASELINE_S * 1000;
const baseline = await interactiveLoad(() => performance.now() >= baselineEnd);

// 2. The same traffic while the batch runs on the same deployment.
const file = await batchClient.files.create({
  file: await OpenAI.toFile(Buffer.from(Array.from({ length: LINES }, (_, i) => JSON.stringify(chatLine(`line-${i}`, `batch line ${i}`))).join('\n') + '\n'), 'bench.jsonl'),
  purpose: 'batch',
});
const batchStart = performance.now();
const batch = await batchClient.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', webhook: { url: receiver.url } } as OpenAI.BatchCreateParams);
let batchDone = false;
const ended = batchEnded(receiver, batch.id).then((result) => {
  batchDone = true;
  return result;
});
// Sample the deployment queue's backlog while it runs.
const queue = new Queue(llmQueueName('local'), { connection: harness.redis, prefix: harness.keys.bullPrefix(llmQueueName('local')) });
let maxBacklog = 0;
const sampler = setInterval(() => {
  void queue.getJobCounts('waiting', 'prioritized').then((c) => (maxBacklog = Math.max(maxBacklog, (c.waiting ?? 0) + (c.prioritized ?? 0))));
}, 250);
await batchRunning; // measure from the moment batch lines occupy the deployment
const contended = await interactiveLoad(() => batchDone);
const { event } = await ended;
const batchSeconds = (performance.now() - batchStart) / 1000;
clearInterval(sampler);
await queue.close();

const row = (name: string, run: { samples: Sample[]; errors: number }) =>
  console.log(`${name.padEnd(22)} n=${String(run.samples.length).padStart(4)} errors=${run.errors}\n  queue wait   ${summary(run.samples.map((s) => s.waitMs))}\n  end to end   ${summary(run.samples.map((s) => s.latencyMs))}`);
row('interactive alone', baseline);
row('interactive + batch', contended);
console.log(
  `\nbatch: ${event.type}, ${event.data.request_counts.completed}/${event.data.request_counts.total} completed, ${event.data.request_counts.failed} failed, ` +
    `${batchSeconds.toFixed(1)} s (${Math.round(event.data.request_counts.total / batchSeconds)} lines/s), deployment backlog up to ${maxBacklog} jobs`,
);
console.log(`a FIFO queue would have made an interactive call wait behind up to ${maxBacklog} jobs ≈ ${((maxBacklog / CONCURRENCY) * SERVICE_MS / 1000).toFixed(1)} s`);

await receiver.close();
await harness.close();
process.exit(0);
