/**
 * Failover success rate: the fault matrix of the pacing-and-failover issue, run as a load instead of a
 * pass/fail test. For each primary vendor (OpenAI, Anthropic, Gemini emulators) × each failure class
 * (429 with retry-after, 500, 503/529 overloaded, a hang past the timeout, connection refused, a
 * malformed body, 400), `requests` synchronous calls go through one API and one worker process while
 * the primary fails every call; the route's fallback is a different, healthy vendor, so each answer
 * is re-translated across formats. Counted per cell: the share of calls with the specified outcome
 * (200 from the fallback, or the 400 passed through without a retry), client latency, and attempts.
 *
 * The circuit breaker is set out of reach (minRequests 10^6), so every call pays the full retry and
 * failover path: the rates are per call, not helped by an open circuit skipping the primary.
 *
 * Run alone: npx tsx bench/failover.ts
 * Parameters (env): BENCH_FAILOVER_REQUESTS (20 per cell), BENCH_FAILOVER_CONCURRENCY (4),
 * BENCH_FAILOVER_TIMEOUT_MS (500, the primaries' vendor timeout), BENCH_FAILOVER_ONLY (cells whose
 * "<vendor> × <failure>" name contains this text, e.g. "gemini × 500").
 */
import type { SwitchyardConfigInput } from '../shared/config/config-schema.js';
import type { PublicJob } from '../shared/jobs/job-record.js';
import { recordedErrorFault, startAnthropicEmulator, startGeminiEmulator, startOpenAIEmulator, type Emulator, type EmulatorFault } from '../test/emulators/index.js';
import { envNumber, isMain, markdownTable, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { round, summarize, wallClockMs, type Summary } from './lib/stats.js';
import { startSwitchyard } from './lib/switchyard.js';

const VENDORS = ['openai', 'anthropic', 'gemini'] as const;
type Vendor = (typeof VENDORS)[number];
/** Each primary fails over to the next vendor, so every failover crosses formats. */
const FALLBACK: Record<Vendor, Vendor> = { openai: 'anthropic', anthropic: 'gemini', gemini: 'openai' };
const MODEL: Record<Vendor, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash' };

interface FaultClass {
  name: string;
  /** The fault on the primary's emulator; null: the primary's address refuses connections. */
  fault: (vendor: Vendor) => EmulatorFault | null;
  /** 200 from the fallback, or this status passed through with one attempt. */
  expect: 'failover' | 400;
}

const CLASSES: FaultClass[] = [
  { name: '500', fault: (v) => recordedErrorFault(v, 500), expect: 'failover' },
  { name: 'overloaded (503 / 529)', fault: (v) => recordedErrorFault(v, v === 'anthropic' ? 529 : 503), expect: 'failover' },
  { name: 'hang past the timeout', fault: () => ({ hang: true }), expect: 'failover' },
  { name: 'connection refused', fault: () => null, expect: 'failover' },
  { name: 'malformed body', fault: () => ({ malformed: true }), expect: 'failover' },
  { name: '400 invalid request', fault: (v) => recordedErrorFault(v, 400), expect: 400 },
  // Last per vendor: a 429 pauses its deployment (Gemini's recorded RetryInfo asks for 47 s), and
  // calls of a later cell would skip the paused primary instead of meeting their own failure.
  { name: '429 (recorded, retry-after 1 s)', fault: (v) => recordedErrorFault(v, 429, { headers: { 'retry-after': '1' } }), expect: 'failover' },
];

export interface FailoverOptions {
  requests: number;
  concurrency: number;
  timeoutMs: number;
}

export interface FailoverCell {
  vendor: Vendor;
  fault: string;
  expected: string;
  requests: number;
  /** Calls with the specified outcome. */
  correct: number;
  statuses: Record<string, number>;
  latencyMs: Summary;
  meanAttempts: number;
}

export interface FailoverResult {
  meta: RunMeta;
  options: FailoverOptions;
  cells: FailoverCell[];
  /** Over the cells whose fault should fail over: calls answered 200 by the fallback / calls. */
  failoverSuccessRate: number;
  /** Over every cell: calls with the specified outcome / calls. */
  correctOutcomeRate: number;
}

export function failoverOptionsFromEnv(): FailoverOptions {
  return {
    requests: envNumber('BENCH_FAILOVER_REQUESTS', 20),
    concurrency: envNumber('BENCH_FAILOVER_CONCURRENCY', 4),
    timeoutMs: envNumber('BENCH_FAILOVER_TIMEOUT_MS', 500),
  };
}

function routes(emulators: Record<Vendor, Emulator>, timeoutMs: number): (config: SwitchyardConfigInput) => SwitchyardConfigInput {
  return (config) => {
    const deployments: SwitchyardConfigInput['deployments'] = {};
    const models: SwitchyardConfigInput['models'] = {};
    for (const vendor of VENDORS) {
      const common = { provider: vendor, apiKey: 'sk-test-emulator', concurrency: 32 } as const;
      deployments[`${vendor}-primary`] = { ...common, baseURL: emulators[vendor].url, maxAttempts: 2, timeoutMs, circuitBreaker: { minRequests: 1_000_000 } };
      deployments[`${vendor}-refused`] = { ...common, baseURL: 'http://127.0.0.1:9', maxAttempts: 2, timeoutMs, circuitBreaker: { minRequests: 1_000_000 } };
      deployments[`${vendor}-fallback`] = { ...common, baseURL: emulators[vendor].url };
    }
    for (const vendor of VENDORS) {
      const fallback = { deployment: `${FALLBACK[vendor]}-fallback`, model: MODEL[FALLBACK[vendor]] };
      models[`${vendor}-primary`] = [{ deployment: `${vendor}-primary`, model: MODEL[vendor] }, fallback];
      models[`${vendor}-refused`] = [{ deployment: `${vendor}-refused`, model: MODEL[vendor] }, fallback];
    }
    return { ...config, deployments, models, workers: { retryMaxDelayMs: 200 } } as SwitchyardConfigInput;
  };
}

export async function runFailover(options: FailoverOptions): Promise<FailoverResult> {
  const meta = await runMeta();
  const emulators: Record<Vendor, Emulator> = { openai: await startOpenAIEmulator(), anthropic: await startAnthropicEmulator(), gemini: await startGeminiEmulator() };
  const gateway = await startSwitchyard({ kind: 'split', workers: 1 }, { label: 'failover', configure: routes(emulators, options.timeoutMs) });
  const headers = { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' };
  const cells: FailoverCell[] = [];
  try {
    for (const vendor of VENDORS) {
      for (const cls of CLASSES) {
        if (process.env.BENCH_FAILOVER_ONLY && !`${vendor} × ${cls.name}`.includes(process.env.BENCH_FAILOVER_ONLY)) continue;
        const fault = cls.fault(vendor);
        const model = fault === null ? `${vendor}-refused` : `${vendor}-primary`;
        emulators[vendor].faults.set(fault);
        const outcomes: Array<{ status: number; ms: number; attempts: number; correct: boolean }> = [];
        let next = 0;
        const call = async (): Promise<void> => {
          while (next < options.requests) {
            const i = next++;
            const started = wallClockMs();
            const res = await fetch(`${gateway.url}/v1/chat/completions`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ model, messages: [{ role: 'user', content: `failover ${vendor} ${cls.name} ${i}` }], max_tokens: 64 }),
            });
            await res.arrayBuffer();
            const ms = wallClockMs() - started;
            const job = (await (await fetch(`${gateway.url}/v1/jobs/${res.headers.get('x-switchyard-job-id')}`, { headers })).json()) as PublicJob;
            const last = job.attempts.at(-1);
            const correct =
              cls.expect === 'failover'
                ? res.status === 200 && last?.deployment === `${FALLBACK[vendor]}-fallback` && last.status === 'succeeded'
                : res.status === 400 && job.attempts.length === 1;
            outcomes.push({ status: res.status, ms, attempts: job.attempts.length, correct });
          }
        };
        await Promise.all(Array.from({ length: options.concurrency }, call));
        emulators[vendor].faults.set(null);
        const statuses: Record<string, number> = {};
        for (const o of outcomes) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
        cells.push({
          vendor,
          fault: cls.name,
          expected: cls.expect === 'failover' ? `200 from ${FALLBACK[vendor]}` : '400, one attempt',
          requests: outcomes.length,
          correct: outcomes.filter((o) => o.correct).length,
          statuses,
          latencyMs: summarize(outcomes.map((o) => o.ms)),
          meanAttempts: round(outcomes.reduce((n, o) => n + o.attempts, 0) / outcomes.length, 2),
        });
        process.stdout.write(`failover: ${vendor} × ${cls.name}: ${cells.at(-1)!.correct}/${outcomes.length} as specified\n`);
      }
    }
  } finally {
    await gateway.stop();
    await Promise.all(VENDORS.map((v) => emulators[v].close()));
  }
  const failoverCells = cells.filter((c) => c.expected.startsWith('200'));
  const sum = (list: FailoverCell[], f: (c: FailoverCell) => number): number => list.reduce((n, c) => n + f(c), 0);
  return {
    meta,
    options,
    cells,
    failoverSuccessRate: round(sum(failoverCells, (c) => c.correct) / sum(failoverCells, (c) => c.requests), 4),
    correctOutcomeRate: round(sum(cells, (c) => c.correct) / sum(cells, (c) => c.requests), 4),
  };
}

export function failoverReport(r: FailoverResult): string {
  const rows = r.cells.map((c) => [c.vendor, c.fault, c.expected, `${c.correct}/${c.requests}`, c.meanAttempts, c.latencyMs.p50, c.latencyMs.p99]);
  return [
    `One API + one worker process; every call of a cell fails on the primary (vendor timeout ${r.options.timeoutMs} ms, 2 attempts per target, retry backoff capped at 200 ms, circuit breaker out of reach); ${r.options.requests} calls per cell, ${r.options.concurrency} at a time. The fallback is another vendor's emulator.`,
    '',
    markdownTable(['primary', 'failure', 'specified outcome', 'as specified', 'attempts (mean)', 'p50 ms', 'p99 ms'], rows),
    '',
    `Failover success rate (calls answered 200 by the fallback, over the ${r.cells.filter((c) => c.expected.startsWith('200')).length} failover cells): **${(r.failoverSuccessRate * 100).toFixed(2)} %**. Calls with the specified outcome over every cell, the 400s included: ${(r.correctOutcomeRate * 100).toFixed(2)} %.`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runFailover(failoverOptionsFromEnv());
  writeResults('failover', result);
  process.stdout.write(`${failoverReport(result)}\n`);
  process.exit(0);
}
