/**
 * Memory: resident set size (VmRSS from /proc/<pid>/status) of each gateway process at idle (after
 * start-up and a few requests), under the overhead load (c = 64, 0 ms upstream; peak and mean of
 * samples every 200 ms), and idle again after the load. Switchyard's API and worker processes
 * separately, the `all` process, and Portkey for comparison.
 *
 * Run alone: npx tsx bench/memory.ts
 * Parameters (env): BENCH_MEMORY_LOAD_S (10), BENCH_MEMORY_CONNECTIONS (64), BENCH_TARGETS.
 */
import { runLoad, type LoadResult } from './lib/load.js';
import { rssMiB } from './lib/proc-stats.js';
import { envNumber, isMain, markdownTable, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { round } from './lib/stats.js';
import { completionBody, startCheckedTarget, TARGET_LABELS, TARGET_NAMES, type TargetName } from './lib/targets.js';
import { startUpstream } from './lib/upstream.js';

export interface MemoryOptions {
  loadSeconds: number;
  connections: number;
  targets: TargetName[];
}

export interface ProcessMemory {
  target: TargetName;
  process: string;
  idleMiB: number;
  loadPeakMiB: number;
  loadMeanMiB: number;
  afterLoadMiB: number;
}

export interface MemoryResult {
  meta: RunMeta;
  options: MemoryOptions;
  unavailable: Partial<Record<TargetName, string>>;
  processes: ProcessMemory[];
  loads: Array<{ target: TargetName; load: LoadResult }>;
}

export function memoryOptionsFromEnv(): MemoryOptions {
  const gateways = TARGET_NAMES.filter((t) => t !== 'direct');
  const targets = (process.env.BENCH_TARGETS?.split(',') ?? gateways).filter((t): t is TargetName => (gateways as readonly string[]).includes(t));
  return { loadSeconds: envNumber('BENCH_MEMORY_LOAD_S', 10), connections: envNumber('BENCH_MEMORY_CONNECTIONS', 64), targets };
}

export async function runMemory(options: MemoryOptions): Promise<MemoryResult> {
  const meta = await runMeta();
  const upstream = await startUpstream();
  const processes: ProcessMemory[] = [];
  const loads: MemoryResult['loads'] = [];
  const unavailable: MemoryResult['unavailable'] = {};
  try {
    for (const name of options.targets) {
      const target = await startCheckedTarget(name, upstream, unavailable, { bench: 'memory', checks: 20 });
      if (!target) continue;
      try {
        const pids = Object.entries(target.pids);
        const idle = new Map(pids.map(([label, pid]) => [label, rssMiB(pid)]));
        const samples = new Map(pids.map(([label]) => [label, [] as number[]]));
        const sampler = setInterval(() => pids.forEach(([label, pid]) => samples.get(label)!.push(rssMiB(pid))), 200);
        const load = await runLoad({ url: target.endpoint, headers: target.headers, body: completionBody(), connections: options.connections, durationSeconds: options.loadSeconds });
        clearInterval(sampler);
        loads.push({ target: name, load });
        for (const [label, pid] of pids) {
          const series = samples.get(label)!;
          processes.push({
            target: name,
            process: label,
            idleMiB: idle.get(label)!,
            loadPeakMiB: Math.max(...series),
            loadMeanMiB: round(series.reduce((a, b) => a + b, 0) / series.length, 1),
            afterLoadMiB: rssMiB(pid),
          });
        }
        process.stderr.write(`memory: ${name}: ${JSON.stringify(processes.filter((p) => p.target === name))}\n`);
      } finally {
        await target.stop();
      }
    }
  } finally {
    await upstream.stop();
  }
  return { meta, options, unavailable, processes, loads };
}

export function memoryReport(r: MemoryResult): string {
  const rows = r.processes.map((p) => [TARGET_LABELS[p.target], p.process, p.idleMiB, p.loadPeakMiB, p.loadMeanMiB, p.afterLoadMiB]);
  const loadRows = r.loads.map((l) => [TARGET_LABELS[l.target], l.load.rps, l.load.latency.p50, l.load.latency.p99]);
  const parts = [
    `RSS in MiB; load: c=${r.options.connections}, 0 ms upstream, ${r.options.loadSeconds} s:`,
    '',
    markdownTable(['gateway', 'process', 'idle', 'under load (peak)', 'under load (mean)', 'idle after load'], rows),
    '',
    markdownTable(['gateway', 'req/s during the sampling', 'p50 ms', 'p99 ms'], loadRows),
  ];
  for (const [name, reason] of Object.entries(r.unavailable)) parts.push('', `**${name} not measured**: ${reason}`);
  return parts.join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runMemory(memoryOptionsFromEnv());
  writeResults('memory', result);
  process.stdout.write(`${memoryReport(result)}\n`);
  process.exit(0);
}
