import { BENCH_MODEL, startSwitchyard, type RunningSwitchyard, type Topology } from './switchyard.js';
import { startPortkey } from './portkey.js';
import { startQueueFloor } from './queue-floor.js';
import type { Upstream } from './upstream.js';

/**
 * One thing to send chat completions to: the upstream itself, the durable-queue baseline
 * (queue-floor-server.ts), Switchyard in a topology, or Portkey.
 */
export interface Target {
  name: TargetName;
  /** Full URL of the chat completions endpoint. */
  endpoint: string;
  headers: Record<string, string>;
  /** PIDs of the gateway's own processes (none for the upstream). */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

/** The gateways, and direct: what every benchmark that takes targets runs by default. */
export const TARGET_NAMES = ['direct', 'switchyard-split', 'switchyard-all', 'portkey'] as const;
/** Baselines only the overhead benchmark runs: plain chat completions, no streaming. */
export const BASELINE_NAMES = ['queue-floor'] as const;
export type TargetName = (typeof TARGET_NAMES)[number] | (typeof BASELINE_NAMES)[number];

export const TARGET_LABELS: Record<TargetName, string> = {
  direct: 'direct to upstream',
  'queue-floor': 'durable-queue floor (baseline)',
  'switchyard-split': 'Switchyard (api + worker processes)',
  'switchyard-all': 'Switchyard (`all`, one process)',
  portkey: 'Portkey OSS gateway',
};

/** A chat completion body (the same bytes for every target). */
export function completionBody(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], ...extra });
}

function switchyardTarget(name: TargetName, gateway: RunningSwitchyard): Target {
  const pids: Record<string, number> = {};
  pids[name === 'switchyard-all' ? 'all' : 'api'] = gateway.api.child.pid ?? -1;
  gateway.workers.forEach((w, i) => (pids[`worker${gateway.workers.length > 1 ? i + 1 : ''}`] = w.child.pid ?? -1));
  return { name, endpoint: `${gateway.url}/v1/chat/completions`, headers: { authorization: `Bearer ${gateway.key}` }, pids, stop: gateway.stop };
}

/**
 * Starts one target in front of `upstream`. Switchyard uses an `openai-compatible` deployment with
 * worker concurrency 128 (so the worker, not its concurrency cap, is what the load meets).
 */
export async function startTarget(name: TargetName, upstream: Upstream, options: { nodeArgs?: string[]; redisUrl?: string } = {}): Promise<Target> {
  const baseURL = `${upstream.url}/v1`;
  switch (name) {
    case 'direct':
      return { name, endpoint: `${baseURL}/chat/completions`, headers: { authorization: 'Bearer sk-bench' }, pids: {}, stop: async () => {} };
    case 'queue-floor': {
      const floor = await startQueueFloor(upstream.url, options.redisUrl, options.nodeArgs);
      return { name, endpoint: `${floor.url}/v1/chat/completions`, headers: {}, pids: floor.pids, stop: floor.stop };
    }
    case 'switchyard-split':
    case 'switchyard-all': {
      const topology: Topology = name === 'switchyard-all' ? { kind: 'all' } : { kind: 'split', workers: 1 };
      return switchyardTarget(name, await startSwitchyard(topology, { label: name, baseURL, nodeArgs: options.nodeArgs, redisUrl: options.redisUrl }));
    }
    case 'portkey': {
      const portkey = await startPortkey(options.nodeArgs);
      return { name, endpoint: `${portkey.url}/v1/chat/completions`, headers: portkey.headers(baseURL), pids: { portkey: portkey.pid }, stop: portkey.stop };
    }
  }
}

/**
 * Starts a target and proves it works (`check`, by default `checks` chat completions through it).
 * A target that will not start or answer is stopped, recorded in `unavailable` with the first line
 * of its error (and logged under `bench`), and undefined comes back: one broken target (Portkey
 * failing to install, say) leaves the others to be measured.
 */
export async function startCheckedTarget(
  name: TargetName,
  upstream: Upstream,
  unavailable: Partial<Record<TargetName, string>>,
  options: { bench: string; checks?: number; check?: (target: Target) => Promise<void>; nodeArgs?: string[]; redisUrl?: string },
): Promise<Target | undefined> {
  let target: Target | undefined;
  try {
    target = await startTarget(name, upstream, { nodeArgs: options.nodeArgs, redisUrl: options.redisUrl });
    if (options.check) await options.check(target);
    else for (let i = 0; i < (options.checks ?? 1); i++) await checkTarget(target);
    return target;
  } catch (err) {
    unavailable[name] = (err as Error).message.split('\n')[0]!.slice(0, 300);
    process.stderr.write(`${options.bench}: ${name} unavailable: ${(err as Error).message}\n`);
    await target?.stop();
    return undefined;
  }
}

/** One request through the target; throws unless it answers 200 (a broken target must not be measured). */
export async function checkTarget(target: Target, body = completionBody()): Promise<void> {
  const res = await fetch(target.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...target.headers }, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${target.name} answered ${res.status}: ${text.slice(0, 300)}`);
}
