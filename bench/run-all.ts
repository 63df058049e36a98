/**
 * Runs every benchmark in turn, each in its own process (a crash or a leak in one does not skew the
 * next), then writes bench/results/report.md with every table. `npm run bench`.
 *
 * BENCH_QUICK=1 shrinks every benchmark to a smoke test (about 3 minutes); BENCH_ONLY=overhead,memory
 * runs a subset (the report keeps the other benchmarks' latest results, with their dates). Every parameter of the single benchmarks (see each file) passes through.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncReport, type AsyncThroughputResult } from './async-throughput.js';
import { batchInteractiveReport, type BatchInteractiveResult } from './batch-interactive.js';
import { cacheHitReport, type CacheHitLatencyResult } from './cache/api-hit-latency.js';
import { failoverReport, type FailoverResult } from './failover.js';
import { memoryReport, type MemoryResult } from './memory.js';
import { overheadReport, type OverheadResult } from './overhead.js';
import { profileReport, type ProfileResult } from './profile.js';
import { rateLimitReport, type RateLimitResult } from './rate-limit-accuracy.js';
import { RESULTS_DIR, ROOT, runMeta } from './lib/results.js';
import { streamReport, type StreamResult } from './stream-latency.js';
import { vendorFetchReport, type VendorFetchResult } from './vendor-fetch.js';
import { timelineReport, type TimelineResult } from './timeline.js';
import { wakeupReport, type WakeupResult } from './wakeups.js';
import { webhookReport, type WebhookLatencyResult } from './webhook-latency.js';

interface Bench {
  /** Results file `bench/results/<name>.json`; also the script `bench/<name>.ts` unless `script` says otherwise. */
  name: string;
  script?: string;
  title: string;
  /** Kill the benchmark if it runs longer than this. */
  timeoutMs: number;
  quickEnv: Record<string, string>;
  report(json: unknown): string;
}

const BENCHES: Bench[] = [
  {
    name: 'overhead',
    title: 'Overhead: Switchyard and Portkey vs direct',
    timeoutMs: 8 * 60_000,
    quickEnv: { BENCH_DURATION_S: '2', BENCH_WARMUP_S: '1' },
    report: (r) => overheadReport(r as OverheadResult),
  },
  {
    name: 'wakeups',
    title: 'Wake-ups per request at c=1',
    timeoutMs: 5 * 60_000,
    quickEnv: { BENCH_WAKEUPS_S: '2' },
    report: (r) => wakeupReport(r as WakeupResult),
  },
  {
    name: 'timeline',
    title: 'A lone request step by step',
    timeoutMs: 5 * 60_000,
    quickEnv: { BENCH_TIMELINE_REQUESTS: '50', BENCH_TIMELINE_WARMUP_S: '1' },
    report: (r) => timelineReport(r as TimelineResult),
  },
  {
    name: 'async-throughput',
    title: 'Async throughput',
    timeoutMs: 4 * 60_000,
    quickEnv: { BENCH_ASYNC_DURATION_S: '4' },
    report: (r) => asyncReport(r as AsyncThroughputResult),
  },
  {
    name: 'stream-latency',
    title: 'Streaming latency',
    timeoutMs: 6 * 60_000,
    quickEnv: { BENCH_STREAM_REQUESTS: '40' },
    report: (r) => streamReport(r as StreamResult),
  },
  {
    name: 'vendor-fetch',
    title: 'The vendor call: built-in fetch vs vendorFetch',
    timeoutMs: 4 * 60_000,
    quickEnv: { BENCH_VENDOR_CALLS: '200', BENCH_VENDOR_ROUNDS: '1' },
    report: (r) => vendorFetchReport(r as VendorFetchResult),
  },
  {
    name: 'memory',
    title: 'Memory (RSS)',
    timeoutMs: 4 * 60_000,
    quickEnv: { BENCH_MEMORY_LOAD_S: '4' },
    report: (r) => memoryReport(r as MemoryResult),
  },
  {
    name: 'profile',
    title: 'Hot-path CPU profile',
    timeoutMs: 4 * 60_000,
    quickEnv: { BENCH_PROFILE_S: '4' },
    report: (r) => profileReport(r as ProfileResult, 10),
  },
  {
    name: 'rate-limit-accuracy',
    title: 'Rate-limit accuracy and queue wait',
    timeoutMs: 12 * 60_000,
    quickEnv: { BENCH_RL_RPM: '600', BENCH_RL_REQUESTS: '900', BENCH_RL_OVERSUB_S: '10' },
    report: (r) => rateLimitReport(r as RateLimitResult),
  },
  {
    name: 'failover',
    title: 'Failover success rate (fault matrix under load)',
    timeoutMs: 8 * 60_000,
    quickEnv: { BENCH_FAILOVER_REQUESTS: '4' },
    report: (r) => failoverReport(r as FailoverResult),
  },
  {
    name: 'webhook-latency',
    title: 'Webhook delivery latency',
    timeoutMs: 4 * 60_000,
    quickEnv: { BENCH_WEBHOOK_JOBS: '200' },
    report: (r) => webhookReport(r as WebhookLatencyResult),
  },
  {
    name: 'batch-interactive',
    title: 'Batch vs interactive on one deployment',
    timeoutMs: 6 * 60_000,
    quickEnv: { BENCH_QUICK: '1' },
    report: (r) => batchInteractiveReport(r as BatchInteractiveResult),
  },
  {
    name: 'cache-hit-latency',
    script: 'bench/cache/api-hit-latency.ts',
    title: 'Cache-hit latency through the API',
    timeoutMs: 4 * 60_000,
    quickEnv: { BENCH_CACHE_ROUNDS: '30' },
    report: (r) => cacheHitReport(r as CacheHitLatencyResult),
  },
];

function runBench(bench: Bench, quick: boolean): Promise<{ ok: boolean; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const env = { ...(quick ? bench.quickEnv : {}), ...process.env };
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, bench.script ?? `bench/${bench.name}.ts`)], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => {
      process.stderr.write(`run-all: ${bench.name} exceeded ${bench.timeoutMs / 1000} s; stopping it\n`);
      child.kill('SIGTERM');
    }, bench.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

const quick = process.env.BENCH_QUICK === '1';
const only = process.env.BENCH_ONLY?.split(',');
const selected = BENCHES.filter((b) => !only || only.includes(b.name));
const meta = await runMeta();
const started = Date.now();
const outcomes: Array<{ bench: Bench; ok: boolean; seconds: number }> = [];
for (const bench of selected) {
  process.stdout.write(`\n=== ${bench.title} (${bench.script ?? `bench/${bench.name}.ts`}) ===\n`);
  outcomes.push({ bench, ...(await runBench(bench, quick)) });
}

const sections = [
  '# Switchyard benchmark results',
  '',
  `Generated by \`npm run bench\`${quick ? ' with BENCH_QUICK=1 (smoke-test sizes)' : ''} on ${meta.date}: node ${meta.node}, ${meta.cpus} × ${meta.cpuModel}, ${meta.memoryGiB} GiB, Redis ${meta.redis}, Switchyard ${meta.switchyard} (${meta.commit}, ${meta.runtime === 'tsx' ? 'run from the sources under tsx' : 'run compiled, from dist/'}), load average at start ${meta.loadAverage}. Total ${Math.round((Date.now() - started) / 1000)} s.`,
];
// Every benchmark with results gets its section: a BENCH_ONLY rerun keeps the others' latest run, dated.
for (const bench of BENCHES) {
  const path = join(RESULTS_DIR, `${bench.name}.json`);
  const outcome = outcomes.find((o) => o.bench === bench);
  if (!outcome && !existsSync(path)) continue;
  sections.push('', `## ${bench.title}`, '');
  if (outcome && (!outcome.ok || !existsSync(path))) {
    sections.push(`**Failed** after ${outcome.seconds} s (see the console output).`);
    continue;
  }
  const json = JSON.parse(readFileSync(path, 'utf8')) as { meta?: { date?: string } };
  const when = outcome ? `${outcome.seconds} s.` : `Not rerun in this run: results of ${json.meta?.date ?? 'an earlier run'}.`;
  sections.push(`${when} Raw results: [bench/results/${bench.name}.json](${bench.name}.json).`, '', bench.report(json));
}
writeFileSync(join(RESULTS_DIR, 'report.md'), `${sections.join('\n')}\n`);
process.stdout.write(`\nrun-all: ${outcomes.map((o) => `${o.bench.name} ${o.ok ? 'ok' : 'FAILED'} (${o.seconds} s)`).join(', ')}; report in bench/results/report.md\n`);
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
