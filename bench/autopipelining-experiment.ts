/**
 * Experiment: what fewer Redis socket writes would buy on the synchronous path. Three `switchyard
 * all` processes in front of the same upstream: as shipped (every ioredis command is its own socket
 * write), with ioredis auto-pipelining forced on, and with each connection's socket corked at the
 * first command of a tick and uncorked on the next tick (the commands of one tick leave in one
 * writev, with no pipeline objects). Both changes are preloads (below; no code outside bench/
 * changes), measured in interleaved cells: throughput, latency, CPU and write system calls per
 * request.
 *
 * Run: npx tsx bench/autopipelining-experiment.ts
 * Parameters (env): BENCH_DURATION_S (5), BENCH_CONCURRENCY ("1,16,64"), BENCH_DELAY_MS (upstream
 * delay, 0; at 50 ms replies arrive spread out, so fewer commands share a tick).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from './lib/load.js';
import { cpuSplitMs, syscalls } from './lib/proc-stats.js';
import { envNumber, envNumbers, isMain, markdownTable, runMeta, writeResults } from './lib/results.js';
import { round } from './lib/stats.js';
import { checkTarget, completionBody, startTarget, type Target } from './lib/targets.js';
import { startUpstream } from './lib/upstream.js';

/**
 * Loaded with `node --import` before tsx (so plain JS): turns on ioredis auto-pipelining for every
 * connection the process opens, so commands issued in the same tick share one socket write.
 * Blocking and pub/sub commands stay out of the pipelines.
 */
const PRELOAD_SOURCE = `import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(new URL('../package.json', import.meta.url).pathname)});
const { Redis } = require('ioredis');
const ignored = ['bzpopmin', 'bzpopmax', 'brpop', 'blpop', 'brpoplpush', 'blmove', 'xread', 'xreadgroup', 'subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'];
const connect = Redis.prototype.connect;
Redis.prototype.connect = function (...args) {
  this.options.enableAutoPipelining = true;
  this.options.autoPipeliningIgnoredCommands = ignored;
  return connect.apply(this, args);
};
`;

/** Like PRELOAD_SOURCE, but corks the socket for the rest of the tick at a ready connection's first command. */
const CORK_PRELOAD_SOURCE = `import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(new URL('../package.json', import.meta.url).pathname)});
const { Redis } = require('ioredis');
const corked = new WeakSet();
const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (...args) {
  const socket = this.stream;
  if (socket && this.status === 'ready' && !corked.has(socket)) {
    corked.add(socket);
    socket.cork();
    process.nextTick(() => {
      corked.delete(socket);
      socket.uncork();
    });
  }
  return sendCommand.apply(this, args);
};
`;

function writePreload(source: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-socket-writes-')), 'preload.mjs');
  writeFileSync(path, source);
  return path;
}

export async function runAutopipeliningExperiment(durationSeconds: number, concurrency: number[], delayMs: number): Promise<{ rows: Array<Record<string, number | string>> }> {
  const upstream = await startUpstream({ delayMs });
  const variants: Array<{ label: string; target: Target }> = [];
  const rows: Array<Record<string, number | string>> = [];
  try {
    variants.push({ label: 'as shipped', target: await startTarget('switchyard-all', upstream) });
    variants.push({ label: 'auto-pipelining', target: await startTarget('switchyard-all', upstream, { nodeArgs: ['--import', writePreload(PRELOAD_SOURCE)] }) });
    variants.push({ label: 'corked per tick', target: await startTarget('switchyard-all', upstream, { nodeArgs: ['--import', writePreload(CORK_PRELOAD_SOURCE)] }) });
    for (const { target } of variants) for (let i = 0; i < 50; i++) await checkTarget(target);
    for (const connections of concurrency) {
      for (const { label, target } of variants) {
        const pid = target.pids.all!;
        await runLoad({ url: target.endpoint, headers: target.headers, body: completionBody(), connections, durationSeconds: 1 });
        const cpu0 = cpuSplitMs(pid);
        const writes0 = syscalls(pid).write;
        const load = await runLoad({ url: target.endpoint, headers: target.headers, body: completionBody(), connections, durationSeconds });
        rows.push({
          variant: label,
          delayMs,
          c: connections,
          rps: load.rps,
          p50: load.latency.p50,
          p99: load.latency.p99,
          userMsPerRequest: round((cpuSplitMs(pid).user - cpu0.user) / load.requests, 3),
          systemMsPerRequest: round((cpuSplitMs(pid).system - cpu0.system) / load.requests, 3),
          writesPerRequest: round((syscalls(pid).write - writes0) / load.requests, 2),
          errors: load.non2xx + load.errors,
        });
        process.stderr.write(`autopipelining: ${JSON.stringify(rows[rows.length - 1])}\n`);
      }
    }
  } finally {
    for (const { target } of variants) await target.stop();
    await upstream.stop();
  }
  return { rows };
}

if (isMain(import.meta.url)) {
  const meta = await runMeta();
  const result = await runAutopipeliningExperiment(envNumber('BENCH_DURATION_S', 5), envNumbers('BENCH_CONCURRENCY', [1, 16, 64]), envNumber('BENCH_DELAY_MS', 0));
  writeResults('autopipelining-experiment', { meta, ...result });
  const header = ['variant', 'upstream delay ms', 'c', 'req/s', 'p50 ms', 'p99 ms', 'user CPU ms / request', 'system CPU ms / request', 'write syscalls / request', 'errors'];
  process.stdout.write(`${markdownTable(header, result.rows.map((r) => Object.values(r)))}\n`);
  process.exit(0);
}
