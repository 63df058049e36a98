/**
 * Where a lone request's time goes: one request at a time (c = 1), every process on the path
 * records when it sends each Redis command and has its reply, gets a pub/sub message, takes and
 * answers the HTTP request, and calls the upstream (bench/lib/timeline-preload.mjs, loaded into the
 * gateway's processes). For each step the report gives its median time after the client sent the
 * request, and the gap since the step before: the chain of hand-offs a lone request waits for,
 * step by step, for Switchyard and for the durable-queue floor (Portkey's single process calls the
 * upstream with fetch, which the recorder does not see). The recorder itself costs some time per
 * event, so the totals run a little above the overhead benchmark's.
 *
 * Run alone: npx tsx bench/timeline.ts
 * Parameters (env): BENCH_TIMELINE_REQUESTS (300 per cell), BENCH_TIMELINE_WARMUP_S (3), BENCH_DELAYS_MS
 * ("0,50"), BENCH_TARGETS ("queue-floor,switchyard-split").
 */
import http from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestTimeline, type RequestWindow, type TimelineEvent, type TimelineStep } from './lib/request-timeline.js';
import { envNumber, envNumbers, isMain, markdownTable, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { round, summarize } from './lib/stats.js';
import { BASELINE_NAMES, completionBody, startCheckedTarget, TARGET_LABELS, TARGET_NAMES, type Target, type TargetName } from './lib/targets.js';
import { startUpstream } from './lib/upstream.js';

const PRELOAD = new URL('./lib/timeline-preload.mjs', import.meta.url);

export interface TimelineOptions {
  requests: number;
  warmupSeconds: number;
  delaysMs: number[];
  targets: TargetName[];
}

export interface TimelineCell {
  target: TargetName;
  delayMs: number;
  /** Median of the client's request times through the target, and straight to the upstream, ms. */
  p50Ms: number;
  directP50Ms: number;
  steps: TimelineStep[];
}

export interface TimelineResult {
  meta: RunMeta;
  options: TimelineOptions;
  unavailable: Partial<Record<TargetName, string>>;
  cells: TimelineCell[];
}

export function timelineOptionsFromEnv(): TimelineOptions {
  const known: readonly string[] = [...TARGET_NAMES, ...BASELINE_NAMES];
  const targets = (process.env.BENCH_TARGETS?.split(',') ?? ['queue-floor', 'switchyard-split']).filter((t): t is TargetName => known.includes(t) && t !== 'direct');
  return { requests: envNumber('BENCH_TIMELINE_REQUESTS', 300), warmupSeconds: envNumber('BENCH_TIMELINE_WARMUP_S', 3), delaysMs: envNumbers('BENCH_DELAYS_MS', [0, 50]), targets };
}

/** Sends requests one after another on one keep-alive connection, returning each one's window. */
function sequentialClient(endpoint: string, headers: Record<string, string>): (count: number, untilMs?: number) => Promise<RequestWindow[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(endpoint);
  const body = completionBody();
  const once = (): Promise<RequestWindow> =>
    new Promise((resolve, reject) => {
      const start = performance.timeOrigin + performance.now();
      const req = http.request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`${endpoint} answered ${res.statusCode}`));
          res.resume();
          res.on('end', () => resolve({ start, end: performance.timeOrigin + performance.now() }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return async (count, untilMs = Infinity) => {
    const windows: RequestWindow[] = [];
    while (windows.length < count && performance.now() < untilMs) windows.push(await once());
    return windows;
  };
}

const p50 = (windows: RequestWindow[]): number => summarize(windows.map((w) => w.end - w.start)).p50;

export async function runTimeline(options: TimelineOptions): Promise<TimelineResult> {
  const meta = await runMeta();
  const upstream = await startUpstream();
  const direct = sequentialClient(`${upstream.url}/v1/chat/completions`, { authorization: 'Bearer sk-bench' });
  const cells: TimelineCell[] = [];
  const unavailable: TimelineResult['unavailable'] = {};
  try {
    for (const name of options.targets) {
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-timeline-'));
      const nodeArgs = ['--import', `${PRELOAD.href}?out=${encodeURIComponent(dir)}`];
      let target: Target | undefined;
      const measured: Array<{ delayMs: number; windows: RequestWindow[]; directP50Ms: number }> = [];
      try {
        target = await startCheckedTarget(name, upstream, unavailable, { bench: 'timeline', checks: 20, nodeArgs });
        if (!target) {
          rmSync(dir, { recursive: true, force: true });
          continue;
        }
        const client = sequentialClient(target.endpoint, target.headers);
        for (const delayMs of options.delaysMs) {
          await upstream.configure({ delayMs });
          await client(Infinity, performance.now() + options.warmupSeconds * 1000);
          const windows = await client(options.requests);
          const directP50Ms = p50(await direct(Math.min(options.requests, 100)));
          measured.push({ delayMs, windows, directP50Ms });
        }
      } finally {
        // The processes write what they recorded as they exit.
        await target?.stop();
      }
      const events: TimelineEvent[] = readdirSync(dir).flatMap((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as TimelineEvent[]);
      rmSync(dir, { recursive: true, force: true });
      for (const { delayMs, windows, directP50Ms } of measured) {
        const p50Ms = p50(windows);
        cells.push({ target: name, delayMs, p50Ms, directP50Ms, steps: requestTimeline(windows, events) });
        process.stderr.write(`timeline: ${name} ${delayMs} ms: p50 ${p50Ms} ms, ${events.length} events\n`);
      }
    }
  } finally {
    await upstream.stop();
  }
  return { meta, options, unavailable, cells };
}

export function timelineReport(r: TimelineResult): string {
  const parts = [`A lone request step by step (c=1, ${r.options.requests} requests per cell; median ms after the client sent it; steps seen in at least 90 % of the requests):`];
  for (const cell of r.cells) {
    let previous = 0;
    const rows = cell.steps.map((step) => {
      const gap = round(step.medianMs - previous, 3);
      previous = step.medianMs;
      return [round(step.medianMs, 3), gap, step.process, step.occurrence > 1 ? `${step.event} (${step.occurrence})` : step.event];
    });
    rows.push([cell.p50Ms, round(cell.p50Ms - previous, 3), 'client', 'answer complete']);
    parts.push(
      '',
      `${TARGET_LABELS[cell.target]}, upstream delay ${cell.delayMs} ms: p50 ${cell.p50Ms} ms, straight to the upstream ${cell.directP50Ms} ms:`,
      '',
      markdownTable(['ms', 'gap ms', 'process', 'step'], rows),
    );
  }
  for (const [name, reason] of Object.entries(r.unavailable)) parts.push('', `**${name} not measured**: ${reason}`);
  return parts.join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runTimeline(timelineOptionsFromEnv());
  writeResults('timeline', result);
  process.stdout.write(`${timelineReport(result)}\n`);
  process.exit(0);
}
