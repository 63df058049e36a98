import { ERROR_SPECS, isErrorCode, type ErrorCode, type OpenAIErrorType } from './error-codes.js';

/** The OpenAI error body: `{error: {message, type, param, code}}`. */
export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; param: string | null; code: ErrorCode };
}

/** How an error crosses Redis (job records, attempts, streams): plain data, rebuilt by code. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  param?: string | null;
  retryAfterMs?: number;
  /** The vendor's HTTP status, when the error came from a vendor. */
  vendorStatus?: number;
}

export interface GatewayErrorOptions {
  param?: string | null;
  retryAfterMs?: number;
  vendorStatus?: number;
  cause?: unknown;
}

/**
 * The one error type the gateway throws on purpose. Its `code` fixes status, OpenAI type and
 * retryability; messages must never contain a secret (provider or virtual key).
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly retryAfterMs: number | undefined;
  readonly vendorStatus: number | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.param = options.param ?? null;
    this.retryAfterMs = options.retryAfterMs;
    this.vendorStatus = options.vendorStatus;
  }

  get status(): number {
    return ERROR_SPECS[this.code].status;
  }

  get retryable(): boolean {
    return ERROR_SPECS[this.code].retryable;
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: ERROR_SPECS[this.code].type, param: this.param, code: this.code } };
  }

  toData(): ErrorData {
    const data: ErrorData = { code: this.code, message: this.message };
    if (this.param) data.param = this.param;
    if (this.retryAfterMs !== undefined) data.retryAfterMs = this.retryAfterMs;
    if (this.vendorStatus !== undefined) data.vendorStatus = this.vendorStatus;
    return data;
  }

  /** Rebuilds an error from its data form; an unknown code becomes `internal` rather than throwing. */
  static fromData(data: ErrorData): GatewayError {
    const code = isErrorCode(data.code) ? data.code : 'internal';
    return new GatewayError(code, data.message, {
      param: data.param ?? null,
      retryAfterMs: data.retryAfterMs,
      vendorStatus: data.vendorStatus,
    });
  }
}

/** Converts anything thrown into a GatewayError once, at a boundary, keeping the original as `cause`. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError('internal', 'Internal error', { cause: err });
}

/** Convenience for the common 400 naming a field. */
export function invalidRequest(message: string, param: string | null = null): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}
