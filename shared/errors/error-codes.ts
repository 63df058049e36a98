/**
 * The gateway's error codes. Each code fixes the HTTP status, the OpenAI error `type`, and whether a
 * worker may retry (and fail over) an attempt that ended with it. Fallback decisions branch on these
 * codes, never on raw vendor statuses.
 */
export const ERROR_CODES = [
  'invalid_request',
  'unsupported_parameter',
  'context_length_exceeded',
  'content_filter',
  'invalid_api_key',
  'permission_denied',
  'not_found',
  'model_not_found',
  'conflict',
  'idempotency_key_in_use',
  'idempotency_key_reused',
  'payload_too_large',
  'rate_limited',
  'budget_exceeded',
  'overloaded',
  'server_error',
  'timeout',
  'connection',
  'auth',
  'deadline_exceeded',
  'cancelled',
  'not_cached',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'server_error'
  | 'timeout_error';

interface CodeSpec {
  status: number;
  type: OpenAIErrorType;
  /** A retryable failure is retried on the same deployment, then failed over to the next target. */
  retryable: boolean;
}

export const ERROR_SPECS: Readonly<Record<ErrorCode, CodeSpec>> = {
  invalid_request: { status: 400, type: 'invalid_request_error', retryable: false },
  unsupported_parameter: { status: 400, type: 'invalid_request_error', retryable: false },
  // Not retryable on the same target; failover may still pick a target with a larger context.
  context_length_exceeded: { status: 400, type: 'invalid_request_error', retryable: false },
  content_filter: { status: 400, type: 'invalid_request_error', retryable: false },
  invalid_api_key: { status: 401, type: 'authentication_error', retryable: false },
  permission_denied: { status: 403, type: 'permission_error', retryable: false },
  not_found: { status: 404, type: 'not_found_error', retryable: false },
  model_not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  conflict: { status: 409, type: 'invalid_request_error', retryable: false },
  // Another request with the same Idempotency-Key is still creating its job: retry to get that job.
  idempotency_key_in_use: { status: 409, type: 'invalid_request_error', retryable: false },
  // The same Idempotency-Key with a different body (IETF idempotency-key draft: 422).
  idempotency_key_reused: { status: 422, type: 'invalid_request_error', retryable: false },
  payload_too_large: { status: 413, type: 'invalid_request_error', retryable: false },
  rate_limited: { status: 429, type: 'rate_limit_error', retryable: true },
  budget_exceeded: { status: 429, type: 'insufficient_quota', retryable: false },
  overloaded: { status: 503, type: 'server_error', retryable: true },
  server_error: { status: 502, type: 'server_error', retryable: true },
  timeout: { status: 504, type: 'timeout_error', retryable: true },
  connection: { status: 502, type: 'server_error', retryable: true },
  // Our credentials for the vendor were refused: the client is not at fault, and retrying won't help.
  auth: { status: 502, type: 'server_error', retryable: false },
  deadline_exceeded: { status: 504, type: 'timeout_error', retryable: false },
  cancelled: { status: 409, type: 'invalid_request_error', retryable: false },
  // `x-switchyard-cache: only-if-cached` and no entry: HTTP's answer for that case is 504.
  not_cached: { status: 504, type: 'invalid_request_error', retryable: false },
  unavailable: { status: 503, type: 'server_error', retryable: true },
  internal: { status: 500, type: 'server_error', retryable: false },
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
