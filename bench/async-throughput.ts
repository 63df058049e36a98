/**
 * Async throughput: `POST /v1/jobs` (mock provider) as fast as a closed loop of `connections`
 * clients can submit, against one API process and one worker process. Accepted/s counts 202s during
 * the submit window; completed/s counts terminal job events (the channel the API's waiters use), both
 * while submitting and end to end (first submit to last completion).
 * Goal on the 2-core machine: ≥ 3,000 accepted/s and ≥ 1,500 completed/s.
 *
 * Run alone: npx tsx bench/async-throughput.ts
 * Parameters (env): BENCH_ASYNC_DURATION_S (10), BENCH_ASYNC_CONNECTIONS (64), BENCH_ASYNC_WORKER_CONCURRENCY (64),
 * BENCH_ASYNC_DRAIN_TIMEOUT_S (120).
 */
import { countJobEvents } from './lib/job-events.js';
import { cpuMs } from './lib/proc-stats.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { envNumber, isMain, markdownTable, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { round, wallClockMs } from './lib/stats.js';
import { BENCH_MODEL, startSwitchyard } from './lib/switchyard.js';
import { startUpstream } from './lib/upstream.js';

export interface AsyncThroughputOptions {
  durationSeconds: number;
  connections: number;
  workerConcurrency: number;
  drainTimeoutSeconds: number;
}

export interface AsyncThroughputResult {
  meta: RunMeta;
  options: AsyncThroughputOptions;
  submit: LoadResult;
  /**
   * The same load against a bare node:http JSON endpoint (the bench upstream: read the body, parse
   * it, answer a small JSON) in its own process, measured alone just before: what this machine and
   * load generator allow any Node service, with no Redis and no worker sharing the cores.
   */
  httpFloor: LoadResult;
  accepted: number;
  acceptedPerSecond: number;
  /** Jobs that ended while submissions were still arriving, per second of the submit window. */
  completedPerSecondWhileSubmitting: number;
  /** All accepted jobs / (last completion − first submit). */
  completedPerSecondEndToEnd: number;
  /** Seconds from the end of the submit window until the last job ended. */
  drainSeconds: number;
  terminal: Record<string, number>;
  /** CPU each process used per accepted job over the submit window and the drain, ms (10 ms clock resolution). */
  cpuMsPerJob: { api: number; worker: number };
  allCompleted: boolean;
  goals: { acceptedPerSecond: 3000; completedPerSecond: 1500; acceptedMet: boolean; completedMet: boolean };
}

export function asyncOptionsFromEnv(): AsyncThroughputOptions {
  return {
    durationSeconds: envNumber('BENCH_ASYNC_DURATION_S', 10),
    connections: envNumber('BENCH_ASYNC_CONNECTIONS', 64),
    workerConcurrency: envNumber('BENCH_ASYNC_WORKER_CONCURRENCY', 64),
    drainTimeoutSeconds: envNumber('BENCH_ASYNC_DRAIN_TIMEOUT_S', 120),
  };
}

export async function runAsyncThroughput(options: AsyncThroughputOptions): Promise<AsyncThroughputResult> {
  const meta = await runMeta();
  const body = JSON.stringify({ request: { model: BENCH_MODEL, messages: [{ role: 'user', content: 'Summarise the benchmark.' }] } });
  const httpFloor = await measureHttpFloor(body, options);
  const gateway = await startSwitchyard({ kind: 'split', workers: 1 }, { label: 'async', deployment: { concurrency: options.workerConcurrency } });
  const events = await countJobEvents(gateway.prefix);
  try {
    const url = `${gateway.url}/v1/jobs`;
    const headers = { authorization: `Bearer ${gateway.key}` };
    // Warm up (JIT, connections), then wait for those jobs to end so they do not count.
    const warm = await runLoad({ url, headers, body, connections: 8, durationSeconds: 1 });
    await events.waitFor(warm.requests - warm.non2xx, 30_000);
    const before = events.total;
    const countsBefore = { ...events.counts };

    const apiPid = gateway.api.child.pid ?? -1;
    const workerPid = gateway.workers[0]?.child.pid ?? -1;
    const cpuBefore = { api: cpuMs(apiPid), worker: cpuMs(workerPid) };
    const started = wallClockMs();
    const submit = await runLoad({ url, headers, body, connections: options.connections, durationSeconds: options.durationSeconds });
    const submitEnded = wallClockMs();
    const doneWhileSubmitting = events.total - before;
    const accepted = submit.requests - submit.non2xx;
    const allCompleted = await events.waitFor(before + accepted, options.drainTimeoutSeconds * 1000);
    const lastAt = events.lastAt ?? submitEnded;
    const cpuMsPerJob = { api: round((cpuMs(apiPid) - cpuBefore.api) / accepted, 3), worker: round((cpuMs(workerPid) - cpuBefore.worker) / accepted, 3) };
    const submitSeconds = (submitEnded - started) / 1000;
    const acceptedPerSecond = round(accepted / submitSeconds, 1);
    const completedPerSecondEndToEnd = round((events.total - before) / ((lastAt - started) / 1000), 1);
    return {
      meta,
      options,
      submit,
      httpFloor,
      accepted,
      acceptedPerSecond,
      completedPerSecondWhileSubmitting: round(doneWhileSubmitting / submitSeconds, 1),
      completedPerSecondEndToEnd,
      drainSeconds: round(Math.max(0, lastAt - submitEnded) / 1000, 2),
      terminal: Object.fromEntries(Object.entries(events.counts).map(([status, n]) => [status, n - (countsBefore[status] ?? 0)])),
      allCompleted,
      cpuMsPerJob,
      goals: { acceptedPerSecond: 3000, completedPerSecond: 1500, acceptedMet: acceptedPerSecond >= 3000, completedMet: completedPerSecondEndToEnd >= 1500 },
    };
  } finally {
    await events.close();
    await gateway.stop();
  }
}

/** The bare node:http reference (see `httpFloor`): warmed up for a second, then the submit load. */
async function measureHttpFloor(body: string, options: AsyncThroughputOptions): Promise<LoadResult> {
  const upstream = await startUpstream();
  try {
    const url = `${upstream.url}/v1/chat/completions`;
    await runLoad({ url, body, connections: 8, durationSeconds: 1 });
    return await runLoad({ url, body, connections: options.connections, durationSeconds: options.durationSeconds });
  } finally {
    await upstream.stop();
  }
}

export function asyncReport(r: AsyncThroughputResult): string {
  const rows = [
    ['accepted (POST /v1/jobs → 202)', r.accepted, r.acceptedPerSecond, '≥ 3,000', r.goals.acceptedMet ? 'met' : 'missed'],
    ['completed while submitting', '', r.completedPerSecondWhileSubmitting, '', ''],
    ['completed end to end', r.terminal.succeeded ?? 0, r.completedPerSecondEndToEnd, '≥ 1,500', r.goals.completedMet ? 'met' : 'missed'],
  ];
  return [
    `One API + one worker process, mock provider, worker concurrency ${r.options.workerConcurrency}, ${r.options.connections} submitting connections for ${r.options.durationSeconds} s:`,
    '',
    markdownTable(['measure', 'jobs', 'per second', 'goal', ''], rows),
    '',
    `CPU per job: API process ${r.cpuMsPerJob.api} ms, worker process ${r.cpuMsPerJob.worker} ms (2 cores shared with Redis and the load generator).`,
    '',
    `For scale, the same load against a bare node:http JSON endpoint (bench/lib/upstream-server.ts, its own process, nothing else running) was answered at ${r.httpFloor.rps}/s in this run: Switchyard accepted ${round((100 * r.acceptedPerSecond) / r.httpFloor.rps, 1)} % of that while its worker completed jobs on the same 2 cores.`,
    '',
    `Submit latency p50 ${r.submit.latency.p50} ms, p99 ${r.submit.latency.p99} ms; backlog drained ${r.drainSeconds} s after the last submit; terminal states ${JSON.stringify(r.terminal)}${r.allCompleted ? '' : ' (NOT all jobs ended within the drain timeout)'}.`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runAsyncThroughput(asyncOptionsFromEnv());
  writeResults('async-throughput', result);
  process.stdout.write(`${asyncReport(result)}\n`);
  process.exit(0);
}
