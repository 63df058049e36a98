/**
 * Rate-limit accuracy and queue wait: one API process and 3 worker processes share one deployment
 * with `rpm` (default 120) and a `tpm` limit, in front of a local upstream that timestamps every
 * request it receives.
 *
 * 1. Burst: `requests` (400) async jobs submitted at once. Reports the most requests the upstream saw
 *    in any 60 s window against the bound a token bucket allows (the limit plus one full bucket,
 *    whose capacity is the per-minute limit), and the sustained rate after the first bucketful.
 * 2. Oversubscription: right after the burst (which empties the bucket when requests > rpm), jobs
 *    arrive open-loop at `factor` (2) × the RPM for `oversubSeconds` (60). Queue wait = upstream
 *    receipt − submit, p50/p99, next to what a perfect FIFO pacer with the same history would give.
 *
 * At rpm 120 this takes about (requests − rpm)/2 + 2 × oversubSeconds seconds (≈ 4.5 min).
 * Run alone: npx tsx bench/rate-limit-accuracy.ts
 * Parameters (env): BENCH_RL_RPM (120), BENCH_RL_TPM (40 × rpm), BENCH_RL_REQUESTS (400),
 * BENCH_RL_WORKERS (3), BENCH_RL_OVERSUB_FACTOR (2), BENCH_RL_OVERSUB_S (60).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { countJobEvents } from './lib/job-events.js';
import { envNumber, isMain, markdownTable, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { round, summarize, wallClockMs, type Summary } from './lib/stats.js';
import { BENCH_MODEL, startSwitchyard, type RunningSwitchyard } from './lib/switchyard.js';
import { startUpstream, type UpstreamLogEntry } from './lib/upstream.js';
import { histogram, idealWaits, maxExcessOverBucket, rateOverTail } from './lib/pacing-analysis.js';
import { maxInWindow } from './lib/windows.js';

export interface RateLimitOptions {
  rpm: number;
  tpm: number;
  requests: number;
  workers: number;
  oversubFactor: number;
  oversubSeconds: number;
}

export interface RateLimitResult {
  meta: RunMeta;
  options: RateLimitOptions;
  burst: {
    received: number;
    completed: Record<string, number>;
    /** Most requests the upstream received in any 60 s window. */
    maxRequestsIn60s: number;
    /** What a token bucket of capacity rpm may pass in 60 s: rpm + one full bucket. */
    allowedRequestsIn60s: number;
    withinBound: boolean;
    /** Most tokens (vendor usage) in any 60 s window, and the TPM bound likewise. */
    maxTokensIn60s: number;
    allowedTokensIn60s: number;
    /** Requests per minute over the last 75 % of the burst (the bucket long empty), from the upstream's timestamps. */
    sustainedRpm: number;
    /**
     * The most that arrivals ever ran ahead of a perfect bucket that starts full at the first receipt
     * (count so far − rpm − refill since then), in requests; ≤ 1 is exact up to timing noise.
     */
    maxExcessOverBucket: number;
    /** Upstream receipts per 5 s since the burst was submitted: the shape of the pacing. */
    receiptsPer5s: number[];
    durationSeconds: number;
  };
  oversubscription: {
    submitted: number;
    received: number;
    arrivalRpm: number;
    /** Requests per minute the upstream saw during the phase (first to last receipt). */
    servedRpm: number;
    receiptsPer5s: number[];
    queueWaitMs: Summary;
    idealQueueWaitMs: Summary;
  } | null;
}

export function rateLimitOptionsFromEnv(): RateLimitOptions {
  const rpm = envNumber('BENCH_RL_RPM', 120);
  return {
    rpm,
    tpm: envNumber('BENCH_RL_TPM', rpm * 40),
    requests: envNumber('BENCH_RL_REQUESTS', 400),
    workers: envNumber('BENCH_RL_WORKERS', 3),
    oversubFactor: envNumber('BENCH_RL_OVERSUB_FACTOR', 2),
    oversubSeconds: envNumber('BENCH_RL_OVERSUB_S', 60),
  };
}

async function submit(gateway: RunningSwitchyard, tag: string): Promise<void> {
  const res = await fetch(`${gateway.url}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ request: { model: BENCH_MODEL, messages: [{ role: 'user', content: `rate-limit bench ${tag}` }], max_tokens: 16 } }),
  });
  if (res.status !== 202) throw new Error(`submit ${tag}: ${res.status} ${await res.text()}`);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

const byTag = (entries: UpstreamLogEntry[], prefix: string): UpstreamLogEntry[] => entries.filter((e) => e.tag.startsWith(`rate-limit bench ${prefix}`));

export async function runRateLimit(options: RateLimitOptions): Promise<RateLimitResult> {
  const meta = await runMeta();
  const refillMsPerRequest = 60_000 / options.rpm;
  const upstream = await startUpstream({ log: true });
  const gateway = await startSwitchyard(
    { kind: 'split', workers: options.workers },
    { label: 'ratelimit', baseURL: `${upstream.url}/v1`, deployment: { rpm: options.rpm, tpm: options.tpm, concurrency: 16 } },
  );
  const events = await countJobEvents(gateway.prefix);
  try {
    // Phase 1: the burst.
    const burstTags = Array.from({ length: options.requests }, (_, i) => `burst-${i}`);
    const burstStarted = wallClockMs();
    await forEachLimited(burstTags, 32, (tag) => submit(gateway, tag));
    const expectedMs = Math.max(0, options.requests - options.rpm) * refillMsPerRequest;
    const burstDone = await events.waitFor(options.requests, expectedMs * 1.5 + 60_000);
    const burstCompleted = { ...events.counts };
    const burstEntries = byTag((await upstream.log()).entries, 'burst-');
    const burst = burstEntries.map((e) => e.t).sort((a, b) => a - b);
    const maxRequestsIn60s = maxInWindow(burst.map((t) => ({ t, weight: 1 })), 60_000);
    const maxTokensIn60s = maxInWindow(burstEntries.map((e) => ({ t: e.t, weight: e.tokens })), 60_000);
    // Only a burst larger than the bucket has a paced part to measure.
    const sustainedRpm = options.requests > options.rpm ? rateOverTail(burst, 0.25) : Number.NaN;
    const maxExcess = maxExcessOverBucket(burst, options.rpm);
    const result: RateLimitResult = {
      meta,
      options,
      burst: {
        received: burst.length,
        completed: burstDone ? burstCompleted : { ...burstCompleted, timedOut: options.requests - events.total },
        maxRequestsIn60s,
        allowedRequestsIn60s: 2 * options.rpm,
        withinBound: maxRequestsIn60s <= 2 * options.rpm,
        maxTokensIn60s,
        allowedTokensIn60s: 2 * options.tpm,
        sustainedRpm,
        maxExcessOverBucket: maxExcess,
        receiptsPer5s: histogram(burst, burstStarted, 5000),
        durationSeconds: round(((burst[burst.length - 1] ?? burstStarted) - burstStarted) / 1000, 1),
      },
      oversubscription: null,
    };
    process.stderr.write(`rate-limit: burst done: ${JSON.stringify(result.burst)}\n`);
    if (!burstDone) return result;

    // Phase 2: open-loop arrivals at factor × RPM, starting with the bucket emptied by the burst.
    const count = Math.round((options.oversubFactor * options.rpm * options.oversubSeconds) / 60);
    const intervalMs = 60_000 / (options.oversubFactor * options.rpm);
    const submittedAt = new Map<string, number>();
    const pending: Array<Promise<void>> = [];
    const phaseStart = wallClockMs();
    for (let i = 0; i < count; i++) {
      const due = phaseStart + i * intervalMs;
      const wait = due - wallClockMs();
      if (wait > 0) await sleep(wait);
      const tag = `oversub-${i}`;
      submittedAt.set(tag, wallClockMs());
      pending.push(submit(gateway, tag));
    }
    await Promise.all(pending);
    const expectedDrainMs = count * refillMsPerRequest - (wallClockMs() - phaseStart);
    await events.waitFor(options.requests + count, Math.max(0, expectedDrainMs) * 1.5 + 60_000);
    const received = byTag((await upstream.log()).entries, 'oversub-');
    const waits = received.map((e) => e.t - (submittedAt.get(e.tag.replace('rate-limit bench ', '')) ?? e.t));
    const ideal = idealWaits(burst, [...submittedAt.values()], options.rpm);
    result.oversubscription = {
      submitted: count,
      received: received.length,
      arrivalRpm: options.oversubFactor * options.rpm,
      servedRpm: rateOverTail(received.map((e) => e.t).sort((a, b) => a - b), 0),
      receiptsPer5s: histogram(received.map((e) => e.t), phaseStart, 5000),
      queueWaitMs: summarize(waits),
      idealQueueWaitMs: summarize(ideal),
    };
    return result;
  } finally {
    await events.close();
    await gateway.stop();
    await upstream.stop();
  }
}

export function rateLimitReport(r: RateLimitResult): string {
  const o = r.options;
  const b = r.burst;
  const parts = [
    `${o.workers} worker processes + 1 API process, one deployment with rpm ${o.rpm} and tpm ${o.tpm}; burst of ${o.requests} async jobs:`,
    '',
    markdownTable(
      ['measure', 'observed', 'limit', 'bound (limit + one full bucket)', ''],
      [
        ['max requests in any 60 s window', b.maxRequestsIn60s, o.rpm, b.allowedRequestsIn60s, b.withinBound ? 'within' : 'EXCEEDED'],
        ['max tokens (vendor usage) in any 60 s window', b.maxTokensIn60s, o.tpm, b.allowedTokensIn60s, b.maxTokensIn60s <= b.allowedTokensIn60s ? 'within' : 'EXCEEDED'],
        ['sustained rate, last 75 % of the burst (rpm)', b.sustainedRpm, o.rpm, '', `${round((b.sustainedRpm / o.rpm) * 100, 1)} % of the limit`],
        ['most requests ahead of a perfect bucket', b.maxExcessOverBucket, 0, 1, b.maxExcessOverBucket <= 1 ? 'within' : 'EXCEEDED'],
      ],
    ),
    '',
    `Upstream received ${b.received}/${o.requests}; the burst took ${b.durationSeconds} s; terminal states ${JSON.stringify(b.completed)}.`,
  ];
  const s = r.oversubscription;
  if (s) {
    parts.push(
      '',
      `Queue wait under ${o.oversubFactor}× oversubscription (${s.submitted} jobs arriving at ${s.arrivalRpm}/min for ${o.oversubSeconds} s right after the burst; the upstream saw ${s.servedRpm}/min, ${round((s.servedRpm / o.rpm) * 100, 1)} % of the limit):`,
      '',
      markdownTable(
        ['', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        [
          ['measured (upstream receipt − submit)', s.queueWaitMs.n, s.queueWaitMs.p50, s.queueWaitMs.p90, s.queueWaitMs.p99, s.queueWaitMs.max],
          ['perfect pacer (same history, FIFO)', s.idealQueueWaitMs.n, s.idealQueueWaitMs.p50, s.idealQueueWaitMs.p90, s.idealQueueWaitMs.p99, s.idealQueueWaitMs.max],
        ],
      ),
    );
  }
  return parts.join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runRateLimit(rateLimitOptionsFromEnv());
  writeResults('rate-limit-accuracy', result);
  process.stdout.write(`${rateLimitReport(result)}\n`);
  process.exit(0);
}
