import { randomBytes } from 'node:crypto';
import { WebhookSignatureError } from './webhook-signature-error.js';

/** Standard Webhooks marks symmetric signing secrets with this prefix. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The spec allows 24..64 bytes; 32 equals the HMAC-SHA256 output size, so the key is never the weak link. */
const SECRET_BYTES = 32;

// Standard (not URL-safe) alphabet; padding optional because some libraries drop it.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A fresh signing secret: `whsec_` + standard base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * The HMAC key inside a Standard Webhooks secret: the base64-decoded bytes after the optional
 * `whsec_` prefix. Unpadded base64 is accepted, as the reference Python library pads before decoding.
 * @throws WebhookSignatureError (`invalid_secret`) when the secret is empty or not base64; the
 * message never echoes the secret.
 */
export function decodeWebhookSecret(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  if (encoded.length === 0) throw new WebhookSignatureError('invalid_secret', 'Webhook secret is empty');
  const unpadded = encoded.replace(/=+$/, '');
  // A lone trailing base64 character carries under one byte: that is a truncated secret, not padding.
  if (!BASE64.test(encoded) || unpadded.length % 4 === 1) {
    throw new WebhookSignatureError('invalid_secret', 'Webhook secret is not valid base64');
  }
  return Buffer.from(unpadded, 'base64');
}
