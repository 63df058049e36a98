/** Why a webhook could not be signed or verified; stable values a receiver can branch on. */
export const WEBHOOK_SIGNATURE_FAILURES = [
  'invalid_secret',
  'missing_headers',
  'invalid_headers',
  'timestamp_too_old',
  'timestamp_too_new',
  'bad_signature',
] as const;
export type WebhookSignatureFailure = (typeof WEBHOOK_SIGNATURE_FAILURES)[number];

/**
 * Thrown by the Standard Webhooks signer and verifier. The message never contains a secret or a
 * signature, so it is safe to log or to answer a sender with.
 */
export class WebhookSignatureError extends Error {
  readonly reason: WebhookSignatureFailure;

  constructor(reason: WebhookSignatureFailure, message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
    this.reason = reason;
  }
}
