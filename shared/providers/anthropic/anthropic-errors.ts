import type { ErrorCode } from '../../errors/error-codes.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { redactKeys } from '../openai/openai-translator.js';
import { retryAfterMsFromHeaders } from '../retry-after.js';
import type { VendorFailure } from '../translator.js';
import { transportFailure } from '../transport-failure.js';
import type { AnthropicErrorBody } from './anthropic-types.js';

/** Anthropic's `error.type` values → our codes (statuses are the fallback for bodies without one). */
const CODE_BY_TYPE: Readonly<Record<string, ErrorCode>> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'auth',
  // Our account's billing or permissions, not the client's request: retrying the same key won't help.
  billing_error: 'auth',
  permission_error: 'auth',
  not_found_error: 'invalid_request',
  request_too_large: 'payload_too_large',
  rate_limit_error: 'rate_limited',
  api_error: 'server_error',
  timeout_error: 'timeout',
  overloaded_error: 'overloaded',
};

const CONTEXT_LENGTH = /prompt is too long|exceeds? (the )?(context|maximum)|context (window|limit)|too many (input )?tokens/i;

/**
 * Classifies a failed Messages API call. 529 `overloaded_error` and 429 `rate_limit_error` are
 * retryable, with the wait Anthropic asked for (see {@link anthropicRetryAfterMs}); 400s are not,
 * and a 400 about prompt length becomes `context_length_exceeded`.
 */
export function classifyAnthropicFailure(failure: VendorFailure, nowMs = Date.now()): GatewayError {
  if (failure.kind !== 'http') return transportFailure(failure);
  const { status, headers } = failure;
  const body = errorBody(failure.body);
  const type = body.error?.type ?? '';
  const message = body.error?.message ?? `HTTP ${status}`;
  let code = CODE_BY_TYPE[type] ?? codeForStatus(status);
  if (code === 'invalid_request' && CONTEXT_LENGTH.test(message)) code = 'context_length_exceeded';
  return new GatewayError(code, `Provider error: ${redactKeys(message)}`, {
    vendorStatus: status,
    retryAfterMs: anthropicRetryAfterMs(headers, nowMs),
  });
}

/**
 * An `error` event inside a 200 stream, as a failure to classify by its `error.type`
 * (the HTTP status stays the stream's 200).
 */
export function anthropicStreamErrorFailure(body: unknown, headers: Record<string, string> = {}): VendorFailure {
  return { kind: 'http', status: 200, headers, body };
}

/**
 * How long Anthropic asked us to wait, in ms: `retry-after` when present, else the latest
 * `anthropic-ratelimit-*-reset` (RFC 3339) among the limits whose `-remaining` is 0.
 */
export function anthropicRetryAfterMs(headers: Record<string, string>, nowMs = Date.now()): number | undefined {
  const direct = retryAfterMsFromHeaders(headers, nowMs);
  if (direct !== undefined) return direct;
  let latest: number | undefined;
  for (const [name, value] of Object.entries(headers)) {
    const match = /^anthropic-ratelimit-(.+)-reset$/.exec(name);
    if (!match || headers[`anthropic-ratelimit-${match[1]}-remaining`] !== '0') continue;
    const at = Date.parse(value);
    if (!Number.isNaN(at)) latest = Math.max(latest ?? 0, at - nowMs);
  }
  return latest === undefined ? undefined : Math.max(0, latest);
}

/** The SDK hands over the whole body (`{type: 'error', error}`); tolerate a bare inner error too. */
function errorBody(body: unknown): AnthropicErrorBody {
  if (!body || typeof body !== 'object') return {};
  const candidate = body as AnthropicErrorBody & { message?: unknown };
  if (candidate.error && typeof candidate.error === 'object') return candidate;
  if (typeof candidate.type === 'string' && typeof candidate.message === 'string') {
    return { error: { type: candidate.type, message: candidate.message } };
  }
  return {};
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 402 || status === 403) return 'auth';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 529) return 'overloaded';
  if (status >= 500) return 'server_error';
  // A 200 here is an error event without a known type: the stream broke on the vendor's side.
  if (status < 400) return 'server_error';
  return 'invalid_request';
}
