import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeWebhookSecret } from './webhook-secret.js';
import { WebhookSignatureError } from './webhook-signature-error.js';

/**
 * Standard Webhooks (v1, HMAC-SHA256) — the contract with every receiver:
 * - `webhook-id`: the message id, identical on every retry of one event (receivers deduplicate on it);
 * - `webhook-timestamp`: integer unix seconds of this attempt;
 * - `webhook-signature`: space-delimited `<version>,<base64>` entries; `v1` is
 *   base64(HMAC-SHA256(key, "{id}.{timestamp}.{raw body}")) with key = decodeWebhookSecret(secret).
 * The body is signed as the exact bytes sent, so it must not be re-serialised after signing.
 */

export interface SignWebhookInput {
  /** `whsec_<base64>` (or bare base64). */
  secret: string;
  msgId: string;
  /** Unix seconds of this delivery attempt. */
  timestamp: number;
  /** The raw body exactly as it will be sent. */
  body: string;
}

/** The headers a Standard Webhooks delivery carries (lower-case names, as Node sends them). */
// A type alias, not an interface, so it is assignable to `Record<string, string>` (deliverWebhook's headers).
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'content-type': string;
};

/** Incoming headers: Node's `IncomingHttpHeaders`, any plain record (any case), or a Fetch `Headers`. */
export type WebhookHeaderSource =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | { get(name: string): string | null };

export interface VerifyWebhookInput {
  /** Every secret currently valid for the sender (more than one while a secret is being rotated). */
  secrets: readonly string[];
  headers: WebhookHeaderSource;
  /** The raw body as received, before any JSON parsing. */
  body: string;
  /** Unix seconds; defaults to the clock. */
  nowSeconds?: number;
  /** Largest accepted |now - timestamp|, in seconds; the reference libraries use 5 minutes. */
  toleranceSeconds?: number;
}

const VERSION = 'v1';

function hmac(key: Buffer, msgId: string, timestamp: string, body: string): string {
  return createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64');
}

/**
 * Signs one delivery attempt: `v1,<base64 HMAC-SHA256 of "{msgId}.{timestamp}.{body}">`.
 * @throws WebhookSignatureError (`invalid_secret`) for an empty or non-base64 secret;
 * RangeError for a timestamp that is not a non-negative integer or a msgId that could not be a header.
 */
export function signWebhook(input: SignWebhookInput): string {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) {
    throw new RangeError('Webhook timestamp must be a non-negative integer of unix seconds');
  }
  if (!/^[\x21-\x7e]+$/.test(input.msgId)) throw new RangeError('Webhook msgId must be non-empty printable ASCII without spaces');
  const key = decodeWebhookSecret(input.secret);
  return `${VERSION},${hmac(key, input.msgId, String(input.timestamp), input.body)}`;
}

/** `webhookHeaders` input: one secret, or every secret valid now (a rotation's new and old one). */
export type WebhookHeadersInput = Omit<SignWebhookInput, 'secret'> & { secret: string | readonly string[] };

/**
 * The full header set for one attempt: id, timestamp, signature and a JSON content type. Given
 * several secrets, the signature header carries one space-separated `v1,` entry per secret (in
 * order), so receivers holding either the old or the new secret verify it during a rotation.
 * @throws as signWebhook; RangeError for an empty secret list.
 */
export function webhookHeaders(input: WebhookHeadersInput): WebhookHeaders {
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  if (secrets.length === 0) throw new RangeError('webhookHeaders needs at least one secret');
  return {
    'webhook-id': input.msgId,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': secrets.map((secret) => signWebhook({ ...input, secret })).join(' '),
    'content-type': 'application/json',
  };
}

function readHeader(headers: WebhookHeaderSource, name: string): string | readonly string[] | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  if (name in record) return record[name];
  const match = Object.keys(record).find((k) => k.toLowerCase() === name);
  return match === undefined ? undefined : record[match];
}

function singleHeader(headers: WebhookHeaderSource, name: string): string | undefined {
  const value = readHeader(headers, name);
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  // A repeated id or timestamp is ambiguous: refuse rather than guess which one was signed.
  if (value.length !== 1) throw new WebhookSignatureError('invalid_headers', `Header ${name} is repeated`);
  return value[0] || undefined;
}

function signatureHeader(headers: WebhookHeaderSource): string | undefined {
  const value = readHeader(headers, 'webhook-signature');
  if (value === undefined) return undefined;
  const joined = typeof value === 'string' ? value : value.join(' ');
  return joined.trim() === '' ? undefined : joined;
}

/**
 * Verifies a received Standard Webhooks delivery against any of `secrets`.
 * Entries of other versions (e.g. `v1a`, `v2`) are skipped; any matching `v1` entry accepts.
 * Comparison is constant-time per candidate.
 * @returns true when authentic and fresh.
 * @throws WebhookSignatureError: `invalid_secret` (no secrets, or one is empty/not base64),
 * `missing_headers`, `invalid_headers` (non-integer timestamp), `timestamp_too_old`,
 * `timestamp_too_new` (outside ±toleranceSeconds), `bad_signature` (no v1 entry matches).
 */
export function verifyWebhook(input: VerifyWebhookInput): true {
  if (input.secrets.length === 0) throw new WebhookSignatureError('invalid_secret', 'No webhook secret to verify with');
  const keys = input.secrets.map(decodeWebhookSecret);

  const msgId = singleHeader(input.headers, 'webhook-id');
  const timestampText = singleHeader(input.headers, 'webhook-timestamp');
  const signatures = signatureHeader(input.headers);
  if (msgId === undefined || timestampText === undefined || signatures === undefined) {
    throw new WebhookSignatureError('missing_headers', 'Missing required headers: webhook-id, webhook-timestamp, webhook-signature');
  }
  if (!/^[0-9]{1,15}$/.test(timestampText)) {
    throw new WebhookSignatureError('invalid_headers', 'Invalid webhook-timestamp: not integer unix seconds');
  }

  const timestamp = Number(timestampText);
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? 300;
  // Checked before the MAC so a replayed old message is reported as such, as the reference libraries do.
  if (now - timestamp > tolerance) throw new WebhookSignatureError('timestamp_too_old', 'Message timestamp too old');
  if (timestamp - now > tolerance) throw new WebhookSignatureError('timestamp_too_new', 'Message timestamp too new');

  const candidates = signatures
    .split(' ')
    .filter((entry) => entry.startsWith(`${VERSION},`))
    .map((entry) => Buffer.from(entry.slice(VERSION.length + 1)));
  for (const key of keys) {
    const expected = Buffer.from(hmac(key, msgId, timestampText, input.body));
    // Length is public (always 44 base64 chars for SHA-256); only the content comparison must not leak.
    if (candidates.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) return true;
  }
  throw new WebhookSignatureError('bad_signature', 'No matching signature found');
}
