/**
 * Streaming latency: time to first token (TTFT) and per-chunk overhead of `stream: true` through
 * Switchyard (api + worker processes, and `all`) and Portkey, against the same SSE upstream called
 * directly. The upstream sends `chunks` chunks `intervalMs` apart, each stamped with its send time,
 * so per-chunk transit (arrival − send) is measured exactly; added = target − direct.
 * Target: < 5 ms added to the first token at p50.
 *
 * Run alone: npx tsx bench/stream-latency.ts
 * Parameters (env): BENCH_STREAM_REQUESTS (200 per target and concurrency), BENCH_STREAM_CONCURRENCY
 * ("1,16"), BENCH_STREAM_CHUNKS (10), BENCH_STREAM_INTERVAL_MS (5), BENCH_TARGETS.
 */
import { Agent } from 'node:http';
import { envNumber, envNumbers, isMain, markdownTable, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { timeStream, type StreamTiming } from './lib/sse-client.js';
import { round, summarize, type Summary } from './lib/stats.js';
import { completionBody, startCheckedTarget, TARGET_LABELS, TARGET_NAMES, type Target, type TargetName } from './lib/targets.js';
import { startUpstream } from './lib/upstream.js';

export interface StreamOptions {
  requests: number;
  concurrency: number[];
  chunks: number;
  intervalMs: number;
  targets: TargetName[];
}

export interface StreamCell {
  target: TargetName;
  connections: number;
  ok: number;
  failed: number;
  firstError: string | null;
  ttftMs: Summary;
  transitMs: Summary;
  gapMs: Summary;
  addedTtftP50Ms: number | null;
  addedTtftP99Ms: number | null;
  addedTransitP50Ms: number | null;
  addedTransitP99Ms: number | null;
}

export interface StreamResult {
  meta: RunMeta;
  options: StreamOptions;
  unavailable: Partial<Record<TargetName, string>>;
  cells: StreamCell[];
}

export function streamOptionsFromEnv(): StreamOptions {
  const targets = (process.env.BENCH_TARGETS?.split(',') ?? [...TARGET_NAMES]).filter((t): t is TargetName => (TARGET_NAMES as readonly string[]).includes(t));
  return {
    requests: envNumber('BENCH_STREAM_REQUESTS', 200),
    concurrency: envNumbers('BENCH_STREAM_CONCURRENCY', [1, 16]),
    chunks: envNumber('BENCH_STREAM_CHUNKS', 10),
    intervalMs: envNumber('BENCH_STREAM_INTERVAL_MS', 5),
    targets: targets.includes('direct') ? targets : ['direct', ...targets],
  };
}

/** `count` streams through the target, `connections` at a time. */
async function measure(target: Target, connections: number, count: number, expectedChunks: number): Promise<{ timings: StreamTiming[]; failed: number; firstError: string | null }> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const body = completionBody({ stream: true });
  const timings: StreamTiming[] = [];
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const lanes = Array.from({ length: connections }, async () => {
    while (next < count) {
      next += 1;
      try {
        const timing = await timeStream(target.endpoint, target.headers, body, agent);
        if (timing.done && timing.chunks === expectedChunks) timings.push(timing);
        else throw new Error(`incomplete stream: ${timing.chunks}/${expectedChunks} chunks, [DONE] ${timing.done}`);
      } catch (err) {
        failed += 1;
        firstError ??= (err as Error).message;
      }
    }
  });
  await Promise.all(lanes);
  agent.destroy();
  return { timings, failed, firstError };
}

export async function runStreamLatency(options: StreamOptions): Promise<StreamResult> {
  const meta = await runMeta();
  const upstream = await startUpstream({ chunks: options.chunks, chunkIntervalMs: options.intervalMs, delayMs: 0 });
  const targets: Target[] = [];
  const unavailable: StreamResult['unavailable'] = {};
  const cells: StreamCell[] = [];
  try {
    for (const name of options.targets) {
      const check = async (candidate: Target): Promise<void> => {
        const probe = await measure(candidate, 1, 1, options.chunks);
        if (probe.failed > 0) throw new Error(probe.firstError ?? 'stream failed');
      };
      const target = await startCheckedTarget(name, upstream, unavailable, { bench: 'stream-latency', check });
      if (target) targets.push(target);
    }
    for (const connections of options.concurrency) {
      for (const target of targets) {
        await measure(target, connections, Math.min(20, options.requests), options.chunks);
        const { timings, failed, firstError } = await measure(target, connections, options.requests, options.chunks);
        const cell: StreamCell = {
          target: target.name,
          connections,
          ok: timings.length,
          failed,
          firstError,
          ttftMs: summarize(timings.map((t) => t.ttftMs)),
          transitMs: summarize(timings.flatMap((t) => t.transitMs)),
          gapMs: summarize(timings.flatMap((t) => t.gapsMs)),
          addedTtftP50Ms: null,
          addedTtftP99Ms: null,
          addedTransitP50Ms: null,
          addedTransitP99Ms: null,
        };
        cells.push(cell);
        process.stderr.write(`stream-latency: c=${connections} ${target.name}: TTFT p50 ${cell.ttftMs.p50} ms, transit p50 ${cell.transitMs.p50} ms, failed ${failed}\n`);
      }
    }
  } finally {
    for (const target of targets) await target.stop();
    await upstream.stop();
  }
  for (const cell of cells) {
    const direct = cells.find((c) => c.target === 'direct' && c.connections === cell.connections);
    if (!direct || cell.target === 'direct') continue;
    cell.addedTtftP50Ms = round(cell.ttftMs.p50 - direct.ttftMs.p50);
    cell.addedTtftP99Ms = round(cell.ttftMs.p99 - direct.ttftMs.p99);
    cell.addedTransitP50Ms = round(cell.transitMs.p50 - direct.transitMs.p50);
    cell.addedTransitP99Ms = round(cell.transitMs.p99 - direct.transitMs.p99);
  }
  return { meta, options, unavailable, cells };
}

export function streamReport(r: StreamResult): string {
  const dash = (v: number | null): number | string => (v === null ? '—' : v);
  const rows = r.cells.map((c) => [
    TARGET_LABELS[c.target],
    c.connections,
    c.ok,
    c.ttftMs.p50,
    c.ttftMs.p99,
    dash(c.addedTtftP50Ms),
    dash(c.addedTtftP99Ms),
    c.transitMs.p50,
    c.transitMs.p99,
    dash(c.addedTransitP50Ms),
    dash(c.addedTransitP99Ms),
    c.gapMs.p50,
    c.gapMs.p99,
    c.failed,
  ]);
  const parts = [
    `${r.options.requests} streams per row, ${r.options.chunks} chunks ${r.options.intervalMs} ms apart from the upstream; all times ms:`,
    '',
    markdownTable(['target', 'c', 'ok', 'TTFT p50', 'TTFT p99', 'added TTFT p50', 'added TTFT p99', 'chunk transit p50', 'transit p99', 'added transit p50', 'added transit p99', 'gap p50', 'gap p99', 'failed'], rows),
  ];
  for (const [name, reason] of Object.entries(r.unavailable)) parts.push('', `**${name} not measured**: ${reason}`);
  return parts.join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runStreamLatency(streamOptionsFromEnv());
  writeResults('stream-latency', result);
  process.stdout.write(`${streamReport(result)}\n`);
  process.exit(0);
}
