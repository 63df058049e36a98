/**
 * Reads how long a vendor asked us to wait, in ms, from response headers: `retry-after-ms`, then
 * `retry-after` (seconds or an HTTP date), then OpenAI's `x-ratelimit-reset-requests` /
 * `x-ratelimit-reset-tokens` (durations such as `1s`, `6m0s`, `20ms`). Undefined when absent or
 * unreadable.
 */
export function retryAfterMsFromHeaders(headers: Record<string, string>, nowMs = Date.now()): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers['retry-after'];
  if (value !== undefined) {
    const seconds = Number(value);
    if (value.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  return rateLimitResetMs(headers);
}

const RESET_KINDS = ['requests', 'tokens'] as const;

/**
 * OpenAI's `x-ratelimit-reset-<kind>`: the time until that limit is whole again. Only an exhausted
 * limit (`x-ratelimit-remaining-<kind>: 0`) says how long to wait: the other one's reset is about a
 * limit that still has room. When no `remaining` header is sent, every reset counts. The longest
 * wait wins; undefined when no usable reset header is present.
 */
function rateLimitResetMs(headers: Record<string, string>): number | undefined {
  const resets = RESET_KINDS.map((kind) => ({
    ms: parseDurationMs(headers[`x-ratelimit-reset-${kind}`]),
    remaining: headers[`x-ratelimit-remaining-${kind}`],
  })).filter((r): r is { ms: number; remaining: string | undefined } => r.ms !== undefined);
  const exhausted = resets.filter((r) => r.remaining !== undefined && Number(r.remaining) <= 0);
  const anyRemaining = resets.some((r) => r.remaining !== undefined);
  const counted = exhausted.length > 0 ? exhausted : anyRemaining ? [] : resets;
  if (counted.length === 0) return undefined;
  return Math.max(...counted.map((r) => r.ms));
}

const DURATION_UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000_001 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;

/**
 * A Go-style duration as OpenAI sends it (`20ms`, `1s`, `3.89s`, `6m0s`, `1h2m3s`) in ms; a bare
 * number counts as seconds. Undefined when absent or malformed.
 */
export function parseDurationMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) total += Number(amount) * DURATION_UNIT_MS[unit!]!;
  return total;
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
