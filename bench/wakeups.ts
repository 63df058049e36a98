/**
 * Wake-ups per request: how often each process on a request's path goes to sleep and is woken
 * again, one request at a time (c = 1). A lone request's latency on these machines is mostly the
 * hand-offs between processes, each of which wakes a sleeping process (and, on a VM, often a
 * halted vCPU); this counts them. For each target (straight to the upstream, the durable-queue
 * floor, Switchyard in both topologies, Portkey) it reads the voluntary context switches of the
 * main thread of every process involved (the gateway's, the upstream's, Redis's for the targets
 * that use it) before and after a closed-loop load, subtracts what the same processes do idle over
 * as long (timers, Redis's cron), and divides by the requests served.
 *
 * Run alone: npx tsx bench/wakeups.ts
 * Parameters (env): BENCH_WAKEUPS_S (5, per cell; the idle window is as long), BENCH_DELAYS_MS
 * ("0,50"), BENCH_TARGETS (direct,queue-floor,switchyard-split,switchyard-all,portkey).
 */
import { Redis } from 'ioredis';
import { runLoad, type LoadResult } from './lib/load.js';
import { voluntarySwitches } from './lib/proc-stats.js';
import { envNumber, envNumbers, isMain, markdownTable, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { round } from './lib/stats.js';
import { BASELINE_NAMES, completionBody, startCheckedTarget, TARGET_LABELS, TARGET_NAMES, type TargetName } from './lib/targets.js';
import { startUpstream } from './lib/upstream.js';
import { TEST_REDIS_URL } from '../test/helpers/test-redis.js';

export interface WakeupOptions {
  seconds: number;
  delaysMs: number[];
  targets: TargetName[];
}

export interface WakeupCell {
  target: TargetName;
  delayMs: number;
  load: LoadResult;
  /** Wake-ups per request of each process on the path, idle wake-ups subtracted. */
  perRequest: Record<string, number>;
  /** The sum over the path's processes. */
  totalPerRequest: number;
}

export interface WakeupResult {
  meta: RunMeta;
  options: WakeupOptions;
  unavailable: Partial<Record<TargetName, string>>;
  cells: WakeupCell[];
}

/** Targets whose requests go through Redis: its wake-ups are on their path. */
const USES_REDIS: ReadonlySet<TargetName> = new Set(['queue-floor', 'switchyard-split', 'switchyard-all']);

export function wakeupOptionsFromEnv(): WakeupOptions {
  const known: readonly string[] = [...TARGET_NAMES, ...BASELINE_NAMES];
  const targets = (process.env.BENCH_TARGETS?.split(',') ?? ['direct', 'queue-floor', 'switchyard-split', 'switchyard-all', 'portkey']).filter((t): t is TargetName => known.includes(t));
  return { seconds: envNumber('BENCH_WAKEUPS_S', 5), delaysMs: envNumbers('BENCH_DELAYS_MS', [0, 50]), targets };
}

/** The Redis server's pid, when it runs on this machine (its wake-ups can only be read here). */
async function localRedisPid(): Promise<number | undefined> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    voluntarySwitches(pid); // throws when the pid is not a process on this machine
    return pid;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

const snapshot = (pids: Array<[string, number]>): Map<string, number> => new Map(pids.map(([label, pid]) => [label, voluntarySwitches(pid)]));

const elapsed = (before: Map<string, number>, after: Map<string, number>, label: string): number => after.get(label)! - before.get(label)!;

const idleFor = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

export async function runWakeups(options: WakeupOptions): Promise<WakeupResult> {
  const meta = await runMeta();
  const upstream = await startUpstream();
  const redisPid = await localRedisPid();
  const cells: WakeupCell[] = [];
  const unavailable: WakeupResult['unavailable'] = {};
  try {
    for (const name of options.targets) {
      const target = await startCheckedTarget(name, upstream, unavailable, { bench: 'wakeups', checks: 50 });
      if (!target) continue;
      try {
        const pids: Array<[string, number]> = [...Object.entries(target.pids), ['upstream', upstream.pid]];
        if (USES_REDIS.has(name) && redisPid !== undefined) pids.push(['redis', redisPid]);
        for (const delayMs of options.delaysMs) {
          await upstream.configure({ delayMs });
          await runLoad({ url: target.endpoint, headers: target.headers, body: completionBody(), connections: 1, durationSeconds: 1 });
          // What the processes do with no request in flight (timers, Redis's cron, BullMQ's blocking
          // read timing out) is not a request's wake-up: measured over as long, then subtracted.
          const idleBefore = snapshot(pids);
          await idleFor(options.seconds);
          const idleAfter = snapshot(pids);
          const before = snapshot(pids);
          const load = await runLoad({ url: target.endpoint, headers: target.headers, body: completionBody(), connections: 1, durationSeconds: options.seconds });
          const after = snapshot(pids);
          const perRequest: Record<string, number> = {};
          for (const [label] of pids) perRequest[label] = round(Math.max(0, elapsed(before, after, label) - elapsed(idleBefore, idleAfter, label)) / load.requests, 2);
          const totalPerRequest = round(Object.values(perRequest).reduce((a, b) => a + b, 0), 2);
          cells.push({ target: name, delayMs, load, perRequest, totalPerRequest });
          process.stderr.write(`wakeups: ${name} ${delayMs} ms: ${totalPerRequest} per request ${JSON.stringify(perRequest)}\n`);
        }
      } finally {
        await target.stop();
      }
    }
  } finally {
    await upstream.stop();
  }
  return { meta, options, unavailable, cells };
}

export function wakeupReport(r: WakeupResult): string {
  const parts = [`Wake-ups per request at c=1 (voluntary context switches of each process's main thread, idle ones subtracted; ${r.options.seconds} s per cell):`];
  for (const delayMs of r.options.delaysMs) {
    const cells = r.cells.filter((c) => c.delayMs === delayMs);
    const direct = cells.find((c) => c.target === 'direct');
    const rows = cells.map((c) => {
      const gateway = Object.entries(c.perRequest).filter(([label]) => label !== 'upstream' && label !== 'redis');
      return [
        TARGET_LABELS[c.target],
        c.load.latency.p50,
        direct && c !== direct ? round(c.load.latency.p50 - direct.load.latency.p50, 3) : '—',
        gateway.map(([label, n]) => `${label} ${n}`).join(', ') || '—',
        c.perRequest.redis ?? '—',
        c.perRequest.upstream ?? '—',
        c.totalPerRequest,
      ];
    });
    parts.push('', `Upstream delay ${delayMs} ms:`, '', markdownTable(['target', 'p50 ms', 'added p50 ms', 'gateway processes', 'Redis', 'upstream', 'total'], rows));
  }
  for (const [name, reason] of Object.entries(r.unavailable)) parts.push('', `**${name} not measured**: ${reason}`);
  return parts.join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runWakeups(wakeupOptionsFromEnv());
  writeResults('wakeups', result);
  process.stdout.write(`${wakeupReport(result)}\n`);
  process.exit(0);
}
