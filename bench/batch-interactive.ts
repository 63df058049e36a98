/**
 * Does a big batch starve interactive traffic on the same deployment? Runs interactive
 * `/v1/chat/completions` calls at a steady rate, first alone, then while a 10,000-line batch runs
 * on the same deployment, and reports the interactive queue wait (submit → vendor call starts) and
 * latency percentiles for both, plus the batch's own throughput.
 *
 * The deployment is the built-in mock provider behind a fixed service time with limited concurrency
 * (default 20 ms × 8), so its queue is genuinely contended: the batch alone would keep it busy for
 * ~25 s. Gateway, batch runner and load generator share this one process (the batch test harness).
 * Needs Redis (TEST_REDIS_URL, default 127.0.0.1:6379); writes under a throwaway prefix.
 *
 * Run alone: npx tsx bench/batch-interactive.ts   (writes bench/results/batch-interactive.json)
 * Parameters (env): BENCH_BATCH_LINES (10000), BENCH_BATCH_CONCURRENCY (8), BENCH_BATCH_SERVICE_MS (20),
 * BENCH_BATCH_RATE (20 interactive calls/s), BENCH_BATCH_BASELINE_S (5). BENCH_QUICK=1 shrinks the
 * defaults to a smoke test (500 lines, 2 s baseline; about 10 s).
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
import { envNumber, isMain, markdownTable, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { round, summarize, type Summary } from './lib/stats.js';

export interface BatchInteractiveOptions {
  lines: number;
  concurrency: number;
  serviceMs: number;
  /** Interactive calls per second, open loop. */
  rate: number;
  baselineSeconds: number;
  quick: boolean;
}

interface PhaseResult {
  calls: number;
  errors: number;
  /** Submit → the vendor call starts, ms. */
  queueWaitMs: Summary;
  /** Submit → response received, ms. */
  latencyMs: Summary;
}

export interface BatchInteractiveResult {
  meta: RunMeta;
  options: BatchInteractiveOptions;
  interactiveAlone: PhaseResult;
  interactiveWithBatch: PhaseResult;
  batch: { status: string; total: number; completed: number; failed: number; seconds: number; linesPerSecond: number; maxBacklog: number };
  /** What a FIFO queue would have made an interactive call wait behind the largest backlog seen, s. */
  fifoWaitEstimateSeconds: number;
}

export function batchInteractiveOptionsFromEnv(): BatchInteractiveOptions {
  const quick = process.env.BENCH_QUICK === '1';
  return {
    lines: envNumber('BENCH_BATCH_LINES', quick ? 500 : 10_000),
    concurrency: envNumber('BENCH_BATCH_CONCURRENCY', 8),
    serviceMs: envNumber('BENCH_BATCH_SERVICE_MS', 20),
    rate: envNumber('BENCH_BATCH_RATE', 20),
    baselineSeconds: envNumber('BENCH_BATCH_BASELINE_S', quick ? 2 : 5),
    quick,
  };
}

interface Sample {
  waitMs: number;
  latencyMs: number;
}

export async function runBatchInteractive(options: BatchInteractiveOptions): Promise<BatchInteractiveResult> {
  const meta = await runMeta();
  /** When each interactive call reached the "vendor", by its sequence number. */
  const started = new Map<number, number>();
  let batchCalls = 0;
  let firstBatchCall: () => void = () => undefined;
  const batchRunning = new Promise<void>((resolve) => (firstBatchCall = resolve));
  const mock = createMockRuntime();
  // The simulated vendor: a fixed service time per call (the sleep *is* the vendor's work).
  const vendor: ProviderRuntime = {
    async complete(request, model, context, callOptions) {
      const text = contentText([...request.messages].reverse().find((m) => m.role === 'user')?.content);
      const interactive = /^interactive (\d+)$/.exec(text);
      if (interactive) started.set(Number(interactive[1]), performance.now());
      else if (++batchCalls === 1) firstBatchCall();
      await sleep(options.serviceMs);
      return mock.complete(request, model, context, callOptions);
    },
    stream: (request, model, context, callOptions, onChunk) => mock.stream(request, model, context, callOptions, onChunk),
  };

  const harness = await startBatchHarness(testConfig({ deployments: { local: { provider: 'mock', concurrency: options.concurrency } } }, `sybench-batch-${process.pid}`), {
    runtimes: new Map([['local', vendor]]),
    // Production defaults for the runner's pace.
    batches: { tickMs: 1000, sweepIntervalMs: 10_000 },
  });
  const receiver = await startWebhookReceiver();
  try {
    const interactiveKey = (await harness.gateway.createKey('team-interactive')).key;
    const batchClient = harness.client((await harness.gateway.createKey('team-batch')).key);
    const interactive = new OpenAI({ apiKey: interactiveKey, baseURL: `${harness.gateway.url}/v1`, maxRetries: 0 });

    let seq = 0;
    /** Open-loop interactive traffic at `rate` per second until `stop()` says so. */
    const interactiveLoad = async (stop: () => boolean): Promise<PhaseResult> => {
      const calls: Array<Promise<Sample | null>> = [];
      const intervalMs = 1000 / options.rate;
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
        // Open loop: the next call leaves on schedule whatever the previous ones do (the sleep is the schedule).
        await sleep(Math.max(0, begin + (n + 1) * intervalMs - performance.now()));
      }
      const results = await Promise.all(calls);
      const samples = results.filter((s): s is Sample => s !== null);
      return { calls: results.length, errors: results.length - samples.length, queueWaitMs: summarize(samples.map((s) => s.waitMs)), latencyMs: summarize(samples.map((s) => s.latencyMs)) };
    };

    // 1. Interactive traffic alone.
    const baselineEnd = performance.now() + options.baselineSeconds * 1000;
    const interactiveAlone = await interactiveLoad(() => performance.now() >= baselineEnd);

    // 2. The same traffic while the batch runs on the same deployment.
    const text = Array.from({ length: options.lines }, (_, i) => JSON.stringify(chatLine(`line-${i}`, `batch line ${i}`))).join('\n') + '\n';
    const file = await batchClient.files.create({ file: await OpenAI.toFile(Buffer.from(text), 'bench.jsonl'), purpose: 'batch' });
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
    const interactiveWithBatch = await interactiveLoad(() => batchDone);
    const { event } = await ended;
    const seconds = (performance.now() - batchStart) / 1000;
    clearInterval(sampler);
    await queue.close();

    const counts = event.data.request_counts;
    return {
      meta,
      options,
      interactiveAlone,
      interactiveWithBatch,
      batch: { status: event.data.status, total: counts.total, completed: counts.completed, failed: counts.failed, seconds: round(seconds, 2), linesPerSecond: Math.round(counts.total / seconds), maxBacklog },
      fifoWaitEstimateSeconds: round(((maxBacklog / options.concurrency) * options.serviceMs) / 1000, 2),
    };
  } finally {
    await receiver.close();
    await harness.close();
  }
}

export function batchInteractiveReport(r: BatchInteractiveResult): string {
  const o = r.options;
  const row = (name: string, p: PhaseResult) => [name, p.calls, p.errors, p.queueWaitMs.p50, p.queueWaitMs.p99, p.queueWaitMs.max, p.latencyMs.p50, p.latencyMs.p99];
  return [
    `Mock deployment, ${o.serviceMs} ms per call × concurrency ${o.concurrency} (≈ ${Math.round((1000 / o.serviceMs) * o.concurrency)} calls/s); interactive calls at ${o.rate}/s; batch of ${o.lines} lines on the same deployment${o.quick ? ' (BENCH_QUICK sizes)' : ''}; ${os.cpus().length} cores:`,
    '',
    markdownTable(
      ['interactive traffic', 'calls', 'errors', 'queue wait p50 ms', 'p99 ms', 'max ms', 'end to end p50 ms', 'p99 ms'],
      [row('alone', r.interactiveAlone), row('while the batch runs', r.interactiveWithBatch)],
    ),
    '',
    `Batch: ${r.batch.status}, ${r.batch.completed}/${r.batch.total} completed, ${r.batch.failed} failed, ${r.batch.seconds} s (${r.batch.linesPerSecond} lines/s); deployment backlog up to ${r.batch.maxBacklog} jobs, which a FIFO queue would have put ahead of an interactive call (≈ ${r.fifoWaitEstimateSeconds} s).`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runBatchInteractive(batchInteractiveOptionsFromEnv());
  writeResults('batch-interactive', result);
  process.stdout.write(`${batchInteractiveReport(result)}\n`);
  process.exit(0);
}
