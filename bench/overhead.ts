/**
 * Overhead: the same closed-loop load (autocannon) straight to a local OpenAI-compatible upstream,
 * through Switchyard (api + worker processes, and `all` in one process), through Portkey's
 * open-source gateway, and through the durable-queue floor (lib/queue-floor-server.ts: the least a
 * Redis queue between two processes adds, with none of a gateway's work), at upstream delays 0 and
 * 50 ms and concurrency 1, 16, 64. Cells are interleaved (every target at one setting before the
 * next setting) so drifting background load hits all targets alike. Reports added latency over
 * direct (p50/p99), throughput ratios, and Switchyard's figures as ratios to Portkey's.
 *
 * Run alone: npx tsx bench/overhead.ts
 * Parameters (env): BENCH_DURATION_S (5), BENCH_WARMUP_S (1), BENCH_CONCURRENCY ("1,16,64"),
 * BENCH_DELAYS_MS ("0,50"), BENCH_TARGETS (all of direct,queue-floor,switchyard-split,switchyard-all,portkey).
 */
import { runLoad, type LoadResult } from './lib/load.js';
import { envNumber, envNumbers, isMain, markdownTable, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { ratio, round } from './lib/stats.js';
import { BASELINE_NAMES, completionBody, startCheckedTarget, TARGET_LABELS, TARGET_NAMES, type Target, type TargetName } from './lib/targets.js';
import { startUpstream } from './lib/upstream.js';

export interface OverheadOptions {
  durationSeconds: number;
  warmupSeconds: number;
  concurrency: number[];
  delaysMs: number[];
  targets: TargetName[];
}

export interface OverheadCell {
  target: TargetName;
  delayMs: number;
  connections: number;
  load: LoadResult;
  /** Gateway p50/p99 minus direct p50/p99 at the same setting, ms (null for direct). */
  addedP50Ms: number | null;
  addedP99Ms: number | null;
  /** Gateway throughput / direct throughput at the same setting. */
  throughputRatio: number | null;
}

export interface VersusPortkey {
  target: TargetName;
  delayMs: number;
  connections: number;
  /** Switchyard's added p50 / Portkey's added p50 (< 1: Switchyard adds less). */
  addedP50Ratio: number | null;
  addedP99Ratio: number | null;
  /** Switchyard's throughput / Portkey's (> 1: Switchyard serves more). */
  throughputRatio: number | null;
}

export interface OverheadResult {
  meta: RunMeta;
  options: OverheadOptions;
  /** Targets that could not be started, with the reason. */
  unavailable: Partial<Record<TargetName, string>>;
  cells: OverheadCell[];
  versusPortkey: VersusPortkey[];
}

export function overheadOptionsFromEnv(): OverheadOptions {
  const known: readonly string[] = [...TARGET_NAMES, ...BASELINE_NAMES];
  const targets = (process.env.BENCH_TARGETS?.split(',') ?? ['direct', ...BASELINE_NAMES, ...TARGET_NAMES.filter((t) => t !== 'direct')]).filter((t): t is TargetName => known.includes(t));
  return {
    durationSeconds: envNumber('BENCH_DURATION_S', 5),
    warmupSeconds: envNumber('BENCH_WARMUP_S', 1),
    concurrency: envNumbers('BENCH_CONCURRENCY', [1, 16, 64]),
    delaysMs: envNumbers('BENCH_DELAYS_MS', [0, 50]),
    targets: targets.includes('direct') ? targets : ['direct', ...targets],
  };
}

export async function runOverhead(options: OverheadOptions): Promise<OverheadResult> {
  const meta = await runMeta();
  const upstream = await startUpstream();
  const targets: Target[] = [];
  const unavailable: OverheadResult['unavailable'] = {};
  const cells: OverheadCell[] = [];
  try {
    for (const name of options.targets) {
      const target = await startCheckedTarget(name, upstream, unavailable, { bench: 'overhead' });
      if (target) targets.push(target);
    }
    const body = completionBody();
    for (const delayMs of options.delaysMs) {
      await upstream.configure({ delayMs });
      for (const connections of options.concurrency) {
        for (const target of targets) {
          await runLoad({ url: target.endpoint, headers: target.headers, body, connections, durationSeconds: options.warmupSeconds });
          const load = await runLoad({ url: target.endpoint, headers: target.headers, body, connections, durationSeconds: options.durationSeconds });
          cells.push({ target: target.name, delayMs, connections, load, addedP50Ms: null, addedP99Ms: null, throughputRatio: null });
          process.stderr.write(`overhead: delay ${delayMs} ms, c=${connections}, ${target.name}: ${load.rps} req/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms\n`);
        }
      }
    }
  } finally {
    for (const target of targets) await target.stop();
    await upstream.stop();
  }
  for (const cell of cells) {
    const direct = cells.find((c) => c.target === 'direct' && c.delayMs === cell.delayMs && c.connections === cell.connections);
    if (!direct || cell.target === 'direct') continue;
    cell.addedP50Ms = round(cell.load.latency.p50 - direct.load.latency.p50);
    cell.addedP99Ms = round(cell.load.latency.p99 - direct.load.latency.p99);
    cell.throughputRatio = ratio(cell.load.rps, direct.load.rps);
  }
  const versusPortkey: VersusPortkey[] = [];
  for (const cell of cells.filter((c) => c.target.startsWith('switchyard'))) {
    const portkey = cells.find((c) => c.target === 'portkey' && c.delayMs === cell.delayMs && c.connections === cell.connections);
    if (!portkey) continue;
    versusPortkey.push({
      target: cell.target,
      delayMs: cell.delayMs,
      connections: cell.connections,
      addedP50Ratio: ratio(cell.addedP50Ms ?? Number.NaN, portkey.addedP50Ms ?? Number.NaN),
      addedP99Ratio: ratio(cell.addedP99Ms ?? Number.NaN, portkey.addedP99Ms ?? Number.NaN),
      throughputRatio: ratio(cell.load.rps, portkey.load.rps),
    });
  }
  return { meta, options, unavailable, cells, versusPortkey };
}

/** The Markdown tables of a result. */
export function overheadReport(result: OverheadResult): string {
  const parts: string[] = [];
  for (const delayMs of result.options.delaysMs) {
    const rows = result.cells
      .filter((c) => c.delayMs === delayMs)
      .map((c) => [
        TARGET_LABELS[c.target],
        c.connections,
        c.load.rps,
        c.load.latency.p50,
        c.load.latency.p99,
        c.addedP50Ms === null ? '—' : c.addedP50Ms,
        c.addedP99Ms === null ? '—' : c.addedP99Ms,
        c.throughputRatio === null ? '—' : c.throughputRatio,
        c.load.non2xx + c.load.errors,
      ]);
    parts.push(`Upstream delay ${delayMs} ms (${result.options.durationSeconds} s per cell):\n\n${markdownTable(['target', 'c', 'req/s', 'p50 ms', 'p99 ms', 'added p50 ms', 'added p99 ms', 'throughput vs direct', 'errors'], rows)}`);
  }
  if (result.versusPortkey.length > 0) {
    const rows = result.versusPortkey.map((v) => [TARGET_LABELS[v.target], v.delayMs, v.connections, v.addedP50Ratio, v.addedP99Ratio, v.throughputRatio]);
    parts.push(`Switchyard as a ratio to Portkey (added latency: < 1 is better; throughput: > 1 is better):\n\n${markdownTable(['Switchyard', 'delay ms', 'c', 'added p50 ×', 'added p99 ×', 'throughput ×'], rows)}`);
  }
  for (const [name, reason] of Object.entries(result.unavailable)) parts.push(`**${name} not measured**: ${reason}`);
  return parts.join('\n\n');
}

if (isMain(import.meta.url)) {
  const result = await runOverhead(overheadOptionsFromEnv());
  writeResults('overhead', result);
  process.stdout.write(`${overheadReport(result)}\n`);
  process.exit(0);
}
