import { GatewayError } from '../shared/errors/gateway-error.js';

/**
 * Checks one job's relayed stream for lost chunks. Pub/sub is at-most-once: a subscriber that
 * reconnects misses what was published meanwhile, and without this check the client would get a
 * clean `[DONE]` after a truncated answer. Every chunk carries its sequence number (1, 2, …) and a
 * properly ended vendor stream is followed by an end marker with the total (see
 * shared/jobs/stream-messages.ts); the relay asks `accept` before forwarding each chunk and
 * `verifyComplete` before ending the stream as a success.
 */
export class ChunkSequence {
  private relayed = 0;
  private total: number | null = null;
  private unsequenced = false;

  constructor(private readonly jobId: string) {}

  /** Chunks forwarded so far. */
  get count(): number {
    return this.relayed;
  }

  /** Null when chunk `seq` is the next one (forward it); the gap error otherwise. `null` seq: a pre-sequencing worker. */
  accept(seq: number | null): GatewayError | null {
    if (seq === null) {
      this.unsequenced = true;
      this.relayed++;
      return null;
    }
    if (seq !== this.relayed + 1) return this.gap(`chunk ${seq} arrived after chunk ${this.relayed}`);
    this.relayed = seq;
    return null;
  }

  /** Records the end marker: the worker sent `total` chunks in all. Null, or the gap error when some never came. */
  end(total: number): GatewayError | null {
    this.total = total;
    return total === this.relayed ? null : this.gap(`${total} chunks were sent, ${this.relayed} arrived`);
  }

  /** At the job's successful end: null when every chunk was relayed, else the gap error. */
  verifyComplete(): GatewayError | null {
    if (this.total !== null) return this.total === this.relayed ? null : this.gap(`${this.total} chunks were sent, ${this.relayed} arrived`);
    // An old worker sends no end marker; nothing to check against.
    if (this.unsequenced) return null;
    return this.gap(`the end of the stream never arrived (${this.relayed} chunks did)`);
  }

  private gap(detail: string): GatewayError {
    return new GatewayError(
      'server_error',
      `The stream lost chunks between the worker and the API (${detail}), so this answer is incomplete. ` +
        `The full result is at GET /v1/jobs/${this.jobId} once the job ends.`,
    );
  }
}
