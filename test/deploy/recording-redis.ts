import type { Command, Redis } from 'ioredis';

/** One command as the client sent it, with the keys it declares. */
export interface SentCommand {
  name: string;
  /** Keys as ioredis finds them (its per-command key specs; for EVAL/EVALSHA, the numkeys keys) —
   *  the same keys ioredis's Cluster client routes by. */
  keys: string[];
  args: unknown[];
}

/** What a component sent: single commands, and batches (pipelines; a transaction starts with MULTI). */
export interface SentBatch {
  commands: SentCommand[];
  /** True for MULTI/EXEC: the cluster then needs every key in one slot, as for a script. */
  transaction: boolean;
}

/**
 * Records every command a real ioredis client sends — plain commands, scripts (EVALSHA/EVAL,
 * `defineCommand` ones included), pipelines and MULTI transactions — then sends it unchanged. Each
 * plain command or script is a batch of one; a pipeline's commands share one batch. Only for clients
 * a test owns: it replaces that instance's `sendCommand`.
 */
export function recordCommands(redis: Redis): SentBatch[] {
  const batches: SentBatch[] = [];
  // A pipeline's exec sends each of its commands with one shared stream object: group by it.
  const byStream = new WeakMap<object, SentBatch>();
  const send = redis.sendCommand.bind(redis) as (command: Command, ...rest: unknown[]) => unknown;
  const recording = (command: Command, ...rest: unknown[]): unknown => {
    const sent: SentCommand = { name: command.name.toLowerCase(), keys: command.getKeys().map(String), args: [...command.args] };
    const stream = rest[0];
    if (stream && typeof stream === 'object') {
      let batch = byStream.get(stream);
      if (!batch) {
        batch = { commands: [], transaction: sent.name === 'multi' };
        byStream.set(stream, batch);
        batches.push(batch);
      }
      batch.commands.push(sent);
    } else {
      batches.push({ commands: [sent], transaction: false });
    }
    return send(command, ...rest);
  };
  redis.sendCommand = recording as Redis['sendCommand'];
  return batches;
}

/**
 * The units a cluster checks for one slot: each script call (its declared keys) and each MULTI
 * transaction as a whole (every key of every queued command). Pipelines are not atomic and are left out.
 */
export function atomicUnits(batches: readonly SentBatch[]): Array<{ label: string; keys: string[] }> {
  return batches.flatMap((b) =>
    b.transaction
      ? [{ label: `MULTI ${b.commands.map((c) => c.name).join(' ')}`, keys: b.commands.flatMap((c) => c.keys) }]
      : b.commands.filter((c) => c.name === 'evalsha' || c.name === 'eval').map((c) => ({ label: `${c.name} ${String(c.args[0]).slice(0, 12)}`, keys: c.keys })),
  );
}

/**
 * The pipelines (not MULTI) of some batches, each with the keys of all its commands. A cluster
 * client refuses a pipeline whose keys span slots (ioredis checks before sending), so each must
 * keep one slot, or go through shared/redis/pipeline-per-key.ts, which splits it on a cluster.
 */
export function pipelineUnits(batches: readonly SentBatch[]): Array<{ label: string; keys: string[] }> {
  return batches
    .filter((b) => !b.transaction && b.commands.length > 1)
    .map((b) => ({ label: `pipeline ${b.commands.map((c) => c.name).join(' ')}`, keys: b.commands.flatMap((c) => c.keys) }))
    .filter((u) => u.keys.length > 1);
}
