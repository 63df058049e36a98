/**
 * Why one webhook delivery attempt failed. `webhook_target_refused` is a policy decision (bad URL or
 * a private/loopback/link-local target) that retrying cannot change; the others are worth retrying.
 */
export const WEBHOOK_FAILURE_CODES = ['webhook_http_status', 'webhook_timeout', 'webhook_connection', 'webhook_target_refused'] as const;
export type WebhookFailureCode = (typeof WEBHOOK_FAILURE_CODES)[number];

/** The data form of a failed attempt, as it is stored with the delivery job (no secrets, no body). */
export interface WebhookFailureData {
  code: WebhookFailureCode;
  message: string;
  /** The receiver's HTTP status, for `webhook_http_status`. */
  status?: number;
}

export interface WebhookDeliveryErrorOptions {
  status?: number;
  durationMs?: number;
  cause?: unknown;
}

/**
 * Thrown by webhook URL validation, target resolution and delivery. Messages are built only from the
 * host, status and network error codes: never the signing secret, the signature, the body or the query.
 */
export class WebhookDeliveryError extends Error {
  readonly code: WebhookFailureCode;
  readonly status: number | undefined;
  /** Time spent on the attempt, when it got as far as trying. */
  readonly durationMs: number | undefined;

  constructor(code: WebhookFailureCode, message: string, options: WebhookDeliveryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WebhookDeliveryError';
    this.code = code;
    this.status = options.status;
    this.durationMs = options.durationMs;
  }

  /** False for refused targets: the URL or the policy must change, not the timing. */
  get retryable(): boolean {
    return this.code !== 'webhook_target_refused';
  }

  /** A copy stamped with how long the attempt took. */
  withDuration(durationMs: number): WebhookDeliveryError {
    return new WebhookDeliveryError(this.code, this.message, { status: this.status, durationMs, cause: this.cause });
  }

  toData(): WebhookFailureData {
    const data: WebhookFailureData = { code: this.code, message: this.message };
    if (this.status !== undefined) data.status = this.status;
    return data;
  }
}
