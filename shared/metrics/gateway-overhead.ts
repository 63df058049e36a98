/**
 * Seconds a request spent in the gateway besides its vendor calls: its end-to-end time minus the
 * latency of every attempt (failed ones included). What remains is queueing, pacing waits, retries'
 * backoff, translation and Redis — the gateway's overhead as the client feels it. Never negative
 * (attempt latencies are measured by another process, whose clock may differ slightly). Takes a
 * job record or its public form (both carry each attempt's `latency_ms`).
 */
export function gatewayOverheadSeconds(totalMs: number, record: { attempts: ReadonlyArray<{ latency_ms: number }> }): number {
  const vendorMs = record.attempts.reduce((sum, attempt) => sum + Math.max(0, attempt.latency_ms), 0);
  return Math.max(0, totalMs - vendorMs) / 1000;
}
