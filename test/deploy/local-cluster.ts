import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A running local Redis Cluster of primaries only, or why none could start. */
export type LocalCluster =
  | { ok: true; nodes: string[]; stop(): Promise<void> }
  | { ok: false; reason: string; stop(): Promise<void> };

/** How long the nodes may take to answer, and the cluster to agree on its slots. */
const START_BOUND_MS = 10_000;

/**
 * Starts one `redis-server --cluster-enabled yes` per port (no persistence, own temp dir), joins
 * them with `redis-cli --cluster create` (every node a primary, slots split evenly) and resolves
 * once every node reports `cluster_state:ok`. Never throws: a machine without redis-server, or one
 * whose build refuses cluster mode, gets `ok: false` and the reason, for the test to skip with.
 * The cluster bus uses port + 10000 too.
 */
export async function startLocalCluster(ports: number[]): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map((child) =>
        child.exitCode === null && child.signalCode === null ? new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))) : undefined,
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const fail = async (reason: string): Promise<LocalCluster> => {
    await stop();
    return { ok: false, reason, stop: async () => undefined };
  };
  if (spawnSync('sh', ['-c', 'command -v redis-server && command -v redis-cli']).status !== 0) return fail('redis-server or redis-cli is not on PATH');

  for (const port of ports) {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    children.push(child);
  }
  const deadline = Date.now() + START_BOUND_MS;
  for (const port of ports) {
    if (!(await answers(port, deadline))) return fail(`redis-server --cluster-enabled yes did not answer on port ${port} (port taken, or no cluster support)`);
  }
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
    encoding: 'utf8',
    timeout: START_BOUND_MS,
  });
  if (create.status !== 0) return fail(`redis-cli --cluster create failed: ${(create.stderr || create.stdout).trim().split('\n').at(-1)}`);
  for (const port of ports) {
    if (!(await clusterOk(port, deadline))) return fail(`node ${port} did not reach cluster_state:ok within ${START_BOUND_MS} ms`);
  }
  return { ok: true, nodes: ports.map((p) => `127.0.0.1:${p}`), stop };
}

/** Polls one node until it answers PING, or the deadline passes. */
async function answers(port: number, deadline: number): Promise<boolean> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    while (Date.now() < deadline) {
      const ok = await client.connect().then(
        () => client.ping().then((r) => r === 'PONG'),
        () => false,
      );
      if (ok) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  } finally {
    client.disconnect();
  }
}

/** Polls CLUSTER INFO until the node reports the cluster usable, or the deadline passes. */
async function clusterOk(port: number, deadline: number): Promise<boolean> {
  const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    while (Date.now() < deadline) {
      const info = await client.cluster('INFO').catch(() => '');
      if (String(info).includes('cluster_state:ok')) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  } finally {
    client.disconnect();
  }
}
