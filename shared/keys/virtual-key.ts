import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new virtual key: 256 random bits, prefixed so leaked keys are recognisable in scanners. */
export function generateVirtualKey(): string {
  return `sy-${randomBytes(32).toString('base64url')}`;
}

/** Keys are stored only as SHA-256 hex digests. */
export function hashVirtualKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
