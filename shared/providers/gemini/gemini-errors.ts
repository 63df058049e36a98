import type { ErrorCode } from '../../errors/error-codes.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { redactKeys } from '../openai/openai-translator.js';
import { retryAfterMsFromHeaders } from '../retry-after.js';
import type { VendorFailure } from '../translator.js';
import { transportFailure } from '../transport-failure.js';

/** A google.rpc.Status error: `{code, message, status, details}`. */
interface GeminiStatus {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<{ '@type'?: string; retryDelay?: string; reason?: string }>;
}

/** Canonical google.rpc codes → ours (the HTTP status is the fallback for bodies without one). */
const CODE_BY_STATUS: Readonly<Record<string, ErrorCode>> = {
  INVALID_ARGUMENT: 'invalid_request',
  FAILED_PRECONDITION: 'invalid_request',
  OUT_OF_RANGE: 'invalid_request',
  NOT_FOUND: 'invalid_request',
  UNAUTHENTICATED: 'auth',
  PERMISSION_DENIED: 'auth',
  RESOURCE_EXHAUSTED: 'rate_limited',
  UNAVAILABLE: 'overloaded',
  INTERNAL: 'server_error',
  UNKNOWN: 'server_error',
  ABORTED: 'server_error',
  DEADLINE_EXCEEDED: 'timeout',
};

const API_KEY = /API key (not valid|expired|invalid)/i;
const CONTEXT_LENGTH = /input token count.*exceeds|exceeds the maximum number of tokens|context (window|length)|too many tokens/i;

/**
 * Classifies a failed Gemini call. RESOURCE_EXHAUSTED (429) and UNAVAILABLE (503) are retryable, with
 * the wait Google asked for: the `RetryInfo.retryDelay` detail ("47s"), else "Please retry in
 * 47.43s." in the message, else a retry-after header. 400s are not retryable; one about the input
 * token count becomes `context_length_exceeded`, one about our API key `auth`.
 */
export function classifyGeminiFailure(failure: VendorFailure): GatewayError {
  if (failure.kind !== 'http') return transportFailure(failure);
  const { status, headers } = failure;
  const error = statusOf(failure.body);
  const message = error.message ?? `HTTP ${status}`;
  let code = CODE_BY_STATUS[error.status ?? ''] ?? codeForStatus(status);
  if (code === 'invalid_request' && CONTEXT_LENGTH.test(message)) code = 'context_length_exceeded';
  // Google answers a bad API key with 400 INVALID_ARGUMENT; it is our credential, not the client's request.
  if (code === 'invalid_request' && (API_KEY.test(message) || error.details?.some((d) => d.reason === 'API_KEY_INVALID'))) code = 'auth';
  return new GatewayError(code, `Provider error: ${redactKeys(message)}`, {
    vendorStatus: status,
    retryAfterMs: retryDelayMs(error) ?? retryAfterMsFromHeaders(headers),
  });
}

/** The wait from `RetryInfo.retryDelay` (a protobuf Duration, "47s" / "0.5s") or the message text, in ms. */
export function retryDelayMs(error: GeminiStatus): number | undefined {
  for (const detail of error.details ?? []) {
    if (!detail['@type']?.endsWith('google.rpc.RetryInfo') || typeof detail.retryDelay !== 'string') continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay);
    if (match) return Math.round(Number(match[1]) * 1000);
  }
  const inMessage = /retry in (\d+(?:\.\d+)?)\s*s/i.exec(error.message ?? '');
  return inMessage ? Math.round(Number(inMessage[1]) * 1000) : undefined;
}

/**
 * The Status inside whatever the SDK gave us: `{error: Status}`, a bare Status, or a Status whose
 * message is itself the JSON body (genai wraps a non-JSON-typed error body that way, as the recorded
 * 404 on a stream shows: JSON served as text/event-stream).
 */
function statusOf(body: unknown, depth = 0): GeminiStatus {
  if (!body || typeof body !== 'object') return {};
  const wrapped = body as { error?: unknown };
  const status = (wrapped.error && typeof wrapped.error === 'object' ? wrapped.error : body) as GeminiStatus;
  if (depth === 0 && typeof status.message === 'string' && status.message.trimStart().startsWith('{')) {
    try {
      const inner = statusOf(JSON.parse(status.message) as unknown, 1);
      if (inner.message) return inner;
    } catch {
      // Not JSON after all: keep the message as it is.
    }
  }
  return status;
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'auth';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'overloaded';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}
