import { describe, expect, it } from 'vitest';
import { decodeWebhookSecret, generateWebhookSecret } from './webhook-secret.js';
import { WebhookSignatureError } from './webhook-signature-error.js';

describe('generateWebhookSecret', () => {
  it('returns whsec_ + standard base64 of 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(decodeWebhookSecret(secret)).toHaveLength(32);
  });

  it('never repeats', () => {
    const secrets = new Set(Array.from({ length: 50 }, generateWebhookSecret));
    expect(secrets.size).toBe(50);
  });
});

describe('decodeWebhookSecret', () => {
  const bytes = Buffer.from('0123456789abcdefghijklmn'); // 24 bytes

  it('decodes the bytes after the whsec_ prefix', () => {
    expect(decodeWebhookSecret(`whsec_${bytes.toString('base64')}`).equals(bytes)).toBe(true);
  });

  it('accepts the bare base64 without the prefix', () => {
    expect(decodeWebhookSecret(bytes.toString('base64')).equals(bytes)).toBe(true);
  });

  it.each([
    ['one byte short of padding', Buffer.from('twenty-three bytes long')], // 23 bytes → 31 chars + '='
    ['two bytes short of padding', Buffer.from('twenty-five bytes long!!!')], // 25 bytes → 34 chars + '=='
  ])('accepts unpadded base64 (%s)', (_name, raw) => {
    const unpadded = raw.toString('base64').replace(/=+$/, '');
    expect(unpadded.length % 4).not.toBe(0);
    expect(decodeWebhookSecret(`whsec_${unpadded}`).equals(raw)).toBe(true);
  });

  it.each([
    ['whsec_', 'empty'],
    ['', 'empty'],
    ['whsec_not base64!', 'not valid base64'],
    ['whsec_abcde', 'not valid base64'], // a dangling sixth bit group is truncation, not padding
    ['whsec_ab=c', 'not valid base64'],
  ])('refuses %j as invalid_secret (%s) without echoing it', (secret, message) => {
    let caught: unknown;
    try {
      decodeWebhookSecret(secret);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WebhookSignatureError);
    expect((caught as WebhookSignatureError).reason).toBe('invalid_secret');
    expect((caught as Error).message).toContain(message);
    if (secret.length > 6) expect((caught as Error).message).not.toContain(secret.slice(6));
  });
});
