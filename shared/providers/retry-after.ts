/**
 * Reads how long a vendor asked us to wait, in ms, from response headers: `retry-after-ms`,
 * then `retry-after` (seconds or an HTTP date). Undefined when absent or unreadable.
 */
export function retryAfterMsFromHeaders(headers: Record<string, string>, nowMs = Date.now()): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Lower-cases header names from any Headers-like value (SDK errors carry a `Headers` object). */
export function headersToRecord(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers && typeof (headers as Headers).forEach === 'function') {
    (headers as Headers).forEach((value, key) => {
      out[key.toLowerCase()] = value;
    });
  } else if (headers && typeof headers === 'object') {
    for (const [key, value] of Object.entries(headers)) if (typeof value === 'string') out[key.toLowerCase()] = value;
  }
  return out;
}
