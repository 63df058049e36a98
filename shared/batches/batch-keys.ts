/**
 * Redis keys of the Batch API, all under the gateway's key prefix. A batch's keys share the hash tag
 * `{<batch id>}`, so every script over them runs on Redis Cluster too.
 *
 * Contract:
 * - `<p>:batch:{<id>}`           hash: the batch record (see batch-record.ts)
 * - `<p>:batch:{<id>}:pending`   set: line numbers submitted as jobs and not yet collected
 * - `<p>:batch:{<id>}:out`       list: finished output lines (JSONL text) waiting to be written as a segment
 * - `<p>:batch:{<id>}:err`       list: the same for error lines
 * - `<p>:batches:<team>`         sorted set: the team's batch ids by creation order (`<p>:batches:seq`)
 */
export class BatchKeys {
  constructor(readonly prefix: string) {}

  batch(id: string): string {
    return `${this.prefix}:batch:{${id}}`;
  }

  pending(id: string): string {
    return `${this.prefix}:batch:{${id}}:pending`;
  }

  buffer(id: string, kind: OutputKind): string {
    return `${this.prefix}:batch:{${id}}:${kind}`;
  }

  teamIndex(team: string): string {
    return `${this.prefix}:batches:${team}`;
  }

  sequence(): string {
    return `${this.prefix}:batches:seq`;
  }
}

/** The two files a batch produces: `out` (successful responses) and `err` (everything else). */
export const OUTPUT_KINDS = ['out', 'err'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];
