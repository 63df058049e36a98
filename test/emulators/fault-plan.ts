/** A fault injected into the next matching requests of an emulator. */
export interface EmulatorFault {
  /** Answer with this status and body (object → JSON) instead of a normal response. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Delay before answering. */
  latencyMs?: number;
  /** Answer (normally, or with the rest of this fault) only once this settles: a vendor call the test releases. */
  until?: Promise<unknown>;
  /** Never answer (until the emulator closes or the client gives up). */
  hang?: boolean;
  /** 200 with a body that is not valid JSON. */
  malformed?: boolean;
  /** Streaming: close the connection mid-body after this many events. */
  cutStreamAfterChunks?: number;
  /** Streaming (Anthropic): after `cutStreamAfterChunks` events, send the recorded `error` event instead of cutting. */
  midStreamError?: boolean;
  /**
   * Streaming: send this many events, then keep the connection open and send nothing more (but the
   * keep-alives of `keepAliveMs`) until the client hangs up — a vendor that started and then stalled.
   */
  stallStreamAfterChunks?: number;
  /** While stalled, send the vendor's keep-alive event (Anthropic: `ping`) every this many ms. */
  keepAliveMs?: number;
  /** Destroy the socket at once, without a response. */
  resetConnection?: boolean;
  /** How many requests it applies to; unset: all until cleared. */
  times?: number;
}

/** The queue of faults an emulator applies, in order, one per request. */
export class FaultPlan {
  private faults: EmulatorFault[] = [];

  set(fault: EmulatorFault | null): void {
    this.faults = fault ? [fault] : [];
  }

  push(...faults: EmulatorFault[]): void {
    this.faults.push(...faults);
  }

  /** The fault for the next request (consuming one use of it), or null. */
  next(): EmulatorFault | null {
    const fault = this.faults[0];
    if (!fault) return null;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.faults.shift();
    }
    return fault;
  }
}
