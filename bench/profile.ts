/**
 * Hot-path profile of the synchronous completion: each gateway process runs with `node --cpu-prof`
 * (Switchyard on a private redis-server, so Redis's own counters give its commands per request)
 * under a closed-loop load (default c = 16, 0 ms upstream, 10 s), then stops cleanly so V8 writes
 * its profile; only samples taken during the load count. Reports CPU milliseconds per request for every process, and where the CPU went: self
 * time by area (our folders, each npm package, node internals, GC) and by function, and inclusive
 * time of our own functions. Raw profiles stay in /tmp (open them in Chrome DevTools); only the
 * summary is written to bench/results/profile.json.
 *
 * Run alone: npx tsx bench/profile.ts
 * Parameters (env): BENCH_PROFILE_S (10), BENCH_PROFILE_CONNECTIONS (16), BENCH_PROFILE_DELAY_MS
 * (0: the upstream's delay), BENCH_PROFILE_TARGETS ("switchyard-all,switchyard-split,portkey"),
 * BENCH_PROFILE_PATH (`sync`; `async` profiles `POST /v1/jobs` instead, Switchyard only, and
 * writes bench/results/profile-async.json).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCpuProfile, summarizeProfile, type ProfileRow, type ProfileSummary } from './lib/cpu-profile.js';
import { startPrivateRedis, type PrivateRedis } from './lib/private-redis.js';
import { syscalls } from './lib/proc-stats.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { envNumber, isMain, markdownTable, ROOT, runMeta, writeResults, type RunMeta } from './lib/results.js';
import { round } from './lib/stats.js';
import { completionBody, startCheckedTarget, TARGET_LABELS, TARGET_NAMES, type TargetName } from './lib/targets.js';
import { startUpstream } from './lib/upstream.js';

export interface ProfileOptions {
  seconds: number;
  connections: number;
  /** The upstream's answer delay, ms. */
  delayMs: number;
  targets: TargetName[];
  /** `sync`: chat completions answered in the request; `async`: jobs submitted with POST /v1/jobs (202), which only Switchyard has. */
  path: 'sync' | 'async';
}

export interface ProcessProfile {
  target: TargetName;
  process: string;
  file: string;
  /** CPU ms this process spent per completed request. */
  cpuMsPerRequest: number;
  /** read/write system calls per request (/proc/<pid>/io): every unpipelined Redis command is a write. */
  syscallsPerRequest: { read: number; write: number };
  summary: ProfileSummary;
}

/** What the gateway asked of Redis per request, from a private redis-server's counters. */
export interface RedisCost {
  target: TargetName;
  /** Commands per request by name; commands run inside Lua scripts count under their own names. */
  commandsPerRequest: Record<string, number>;
  /** Script calls (EVALSHA/EVAL) per request: each is a round trip. */
  scriptCallsPerRequest: number;
  totalPerRequest: number;
  /** Redis server CPU (user + sys) per request, ms. */
  redisCpuMsPerRequest: number;
}

export interface ProfileResult {
  meta: RunMeta;
  options: ProfileOptions;
  unavailable: Partial<Record<TargetName, string>>;
  loads: Array<{ target: TargetName; load: LoadResult }>;
  processes: ProcessProfile[];
  redis: RedisCost[];
}

function redisCpuSeconds(info: Record<string, string>): number {
  return Number(info.used_cpu_user ?? 0) + Number(info.used_cpu_sys ?? 0);
}

function redisCost(target: TargetName, commandstats: Record<string, string>, cpuSeconds: number, requests: number): RedisCost {
  const perRequest: Record<string, number> = {};
  let total = 0;
  for (const [key, value] of Object.entries(commandstats)) {
    const calls = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
    const name = key.replace(/^cmdstat_/, '');
    if (name === 'info' || name.startsWith('config')) continue;
    total += calls;
    perRequest[name] = round(calls / requests, 2);
  }
  const sorted = Object.fromEntries(Object.entries(perRequest).sort((a, b) => b[1] - a[1]));
  return {
    target,
    commandsPerRequest: sorted,
    scriptCallsPerRequest: round(((perRequest.evalsha ?? 0) * requests + (perRequest.eval ?? 0) * requests) / requests, 2),
    totalPerRequest: round(total / requests, 2),
    redisCpuMsPerRequest: round((cpuSeconds * 1000) / requests, 3),
  };
}

export function profileOptionsFromEnv(): ProfileOptions {
  const gateways = TARGET_NAMES.filter((t) => t !== 'direct');
  const targets = (process.env.BENCH_PROFILE_TARGETS?.split(',') ?? ['switchyard-all', 'switchyard-split', 'portkey']).filter((t): t is TargetName =>
    (gateways as readonly string[]).includes(t),
  );
  const path = process.env.BENCH_PROFILE_PATH === 'async' ? 'async' : 'sync';
  return {
    seconds: envNumber('BENCH_PROFILE_S', 10),
    connections: envNumber('BENCH_PROFILE_CONNECTIONS', 16),
    delayMs: envNumber('BENCH_PROFILE_DELAY_MS', 0),
    targets: path === 'async' ? targets.filter((t) => t !== 'portkey') : targets,
    path,
  };
}

export async function runProfile(options: ProfileOptions): Promise<ProfileResult> {
  const meta = await runMeta();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-prof-'));
  const upstream = await startUpstream({ delayMs: options.delayMs });
  const loads: ProfileResult['loads'] = [];
  const processes: ProcessProfile[] = [];
  const redisCosts: RedisCost[] = [];
  const unavailable: ProfileResult['unavailable'] = {};
  try {
    for (const name of options.targets) {
      const profDir = join(dir, name);
      // Switchyard gets a private Redis so its counters hold this gateway's commands only.
      const redis: PrivateRedis | undefined = name === 'portkey' ? undefined : await startPrivateRedis();
      const target = await startCheckedTarget(name, upstream, unavailable, { bench: 'profile', checks: 50, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`], redisUrl: redis?.url });
      if (!target) {
        await redis?.stop();
        continue;
      }
      const pids = Object.entries(target.pids);
      const ioBefore = new Map(pids.map(([label, pid]) => [label, syscalls(pid)]));
      await redis?.resetStats();
      const cpuBefore = redis ? redisCpuSeconds(await redis.info('cpu')) : 0;
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      const load = await runLoad({ ...loadRequest(target.endpoint, options.path), headers: target.headers, connections: options.connections, durationSeconds: options.seconds });
      const toUs = Number(process.hrtime.bigint() / 1000n);
      const ioAfter = new Map(pids.map(([label, pid]) => [label, syscalls(pid)]));
      if (redis) redisCosts.push(redisCost(name, await redis.info('commandstats'), redisCpuSeconds(await redis.info('cpu')) - cpuBefore, load.requests));
      loads.push({ target: name, load });
      await target.stop();
      await redis?.stop();
      const files = (existsSync(profDir) ? readdirSync(profDir) : []).filter((f) => f.endsWith('.cpuprofile'));
      for (const [label, pid] of pids) {
        // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: the main thread is thread 0.
        const file = files.find((f) => f.split('.')[3] === String(pid) && f.split('.')[4] === '0');
        if (!file) {
          unavailable[name] = `no profile written for ${label} (pid ${pid})`;
          continue;
        }
        // Only the load window counts: start-up (module compilation, tsx) and shutdown are left out.
        const summary = summarizeProfile(parseCpuProfile(readFileSync(join(profDir, file), 'utf8')), ROOT, { limit: 15, window: { fromUs, toUs } });
        const before = ioBefore.get(label)!;
        const after = ioAfter.get(label)!;
        processes.push({
          target: name,
          process: label,
          file: join(profDir, file),
          cpuMsPerRequest: round(summary.busyMs / load.requests, 3),
          syscallsPerRequest: { read: round((after.read - before.read) / load.requests, 2), write: round((after.write - before.write) / load.requests, 2) },
          summary,
        });
      }
      process.stderr.write(`profile: ${name}: ${load.rps} req/s; profiles in ${profDir}\n`);
    }
  } finally {
    await upstream.stop();
  }
  return { meta, options, unavailable, loads, processes, redis: redisCosts };
}

/** The profiled request: a chat completion, or the same request submitted as an async job. */
function loadRequest(chatEndpoint: string, path: ProfileOptions['path']): { url: string; body: string } {
  if (path === 'sync') return { url: chatEndpoint, body: completionBody() };
  return { url: chatEndpoint.replace(/\/chat\/completions$/, '/jobs'), body: JSON.stringify({ request: JSON.parse(completionBody()) as unknown }) };
}

const table = (rowsIn: ProfileRow[], limit: number): string =>
  markdownTable(['', 'samples', '% of busy'], rowsIn.slice(0, limit).map((r) => [`\`${r.name}\``, r.samples, r.percent]));

export function profileReport(r: ProfileResult, limit = 15): string {
  const parts = [
    `Load: ${r.options.path === 'async' ? 'POST /v1/jobs (async submits)' : 'synchronous chat completions'}, c=${r.options.connections}, ${r.options.delayMs ?? 0} ms upstream, ${r.options.seconds} s, each process under \`node --cpu-prof\`.`,
    '',
    markdownTable(
      ['gateway', 'process', 'req/s (profiled)', 'CPU ms / request', 'read syscalls / request', 'write syscalls / request'],
      r.processes.map((p) => [TARGET_LABELS[p.target], p.process, r.loads.find((l) => l.target === p.target)?.load.rps ?? null, p.cpuMsPerRequest, p.syscallsPerRequest.read, p.syscallsPerRequest.write]),
    ),
  ];
  if (r.redis.length > 0) {
    parts.push(
      '',
      'Redis work per request (private redis-server; commands inside Lua scripts count under their own names):',
      '',
      markdownTable(
        ['gateway', 'script calls', 'all commands', 'Redis CPU ms', 'top commands'],
        r.redis.map((c) => [
          TARGET_LABELS[c.target],
          c.scriptCallsPerRequest,
          c.totalPerRequest,
          c.redisCpuMsPerRequest,
          Object.entries(c.commandsPerRequest)
            .slice(0, 10)
            .map(([name, n]) => `${name} ${n}`)
            .join(', '),
        ]),
      ),
    );
  }
  for (const p of r.processes) {
    parts.push(
      '',
      `#### ${TARGET_LABELS[p.target]}: ${p.process}`,
      '',
      'Self time by area:',
      '',
      table(p.summary.byArea, limit),
      '',
      'Inclusive time by area (a frame of the area anywhere on the stack):',
      '',
      table(p.summary.byInclusiveArea, limit),
      '',
      'Self time by function:',
      '',
      table(p.summary.bySelf, limit),
    );
    if (p.summary.byInclusiveOwn.length > 0) parts.push('', 'Inclusive time of our own functions:', '', table(p.summary.byInclusiveOwn, limit));
  }
  for (const [name, reason] of Object.entries(r.unavailable)) parts.push('', `**${name} not profiled**: ${reason}`);
  return parts.join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runProfile(profileOptionsFromEnv());
  writeResults(result.options.path === 'async' ? 'profile-async' : 'profile', result);
  process.stdout.write(`${profileReport(result)}\n`);
  process.exit(0);
}
