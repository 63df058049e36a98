import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, webhookHeaders, type VerifyWebhookInput } from './sign-webhook.js';
import { WebhookSignatureError, type WebhookSignatureFailure } from './webhook-signature-error.js';

interface Vectors {
  sign_vectors: Array<{ secret: string; msg_id: string; timestamp: number; payload: string; expected_signature: string }>;
  verify_cases: Array<{ name: string; expect: string }>;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../shared/fixtures/webhooks/standard-webhooks.json', import.meta.url), 'utf8'),
) as Vectors;

// The constants shared by the official Python, Go and JavaScript test suites.
const official = vectors.sign_vectors[0]!;
const SECRET = official.secret;
const MSG_ID = official.msg_id;
const BODY = official.payload;
const NOW = 1_700_000_000;

function signedHeaders(timestamp: number, secret = SECRET): Record<string, string> {
  return webhookHeaders({ secret, msgId: MSG_ID, timestamp, body: BODY });
}

describe('signWebhook against the official sign vectors', () => {
  it.each(vectors.sign_vectors)('signs $msg_id at $timestamp to exactly $expected_signature', (v) => {
    expect(signWebhook({ secret: v.secret, msgId: v.msg_id, timestamp: v.timestamp, body: v.payload })).toBe(v.expected_signature);
  });

  it.each(vectors.sign_vectors)('verifies its own vector $msg_id', (v) => {
    const headers = { 'webhook-id': v.msg_id, 'webhook-timestamp': String(v.timestamp), 'webhook-signature': v.expected_signature };
    expect(verifyWebhook({ secrets: [v.secret], headers, body: v.payload, nowSeconds: v.timestamp })).toBe(true);
  });

  it('webhookHeaders carries id, timestamp, signature and a JSON content type', () => {
    expect(webhookHeaders({ secret: SECRET, msgId: MSG_ID, timestamp: official.timestamp, body: BODY })).toEqual({
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(official.timestamp),
      'webhook-signature': official.expected_signature,
      'content-type': 'application/json',
    });
  });

  it('webhookHeaders signs with every secret given, so a receiver holding either one verifies during a rotation', () => {
    const other = 'whsec_' + Buffer.from('a second secret of 24+ bytes!').toString('base64');
    const headers = webhookHeaders({ secret: [other, SECRET], msgId: MSG_ID, timestamp: official.timestamp, body: BODY });
    const entries = headers['webhook-signature'].split(' ');
    expect(entries).toEqual([signWebhook({ secret: other, msgId: MSG_ID, timestamp: official.timestamp, body: BODY }), official.expected_signature]);
    for (const secret of [SECRET, other]) expect(verifyWebhook({ secrets: [secret], headers, body: BODY, nowSeconds: official.timestamp })).toBe(true);
    const stranger = 'whsec_' + Buffer.from('nobody holds this secret!!').toString('base64');
    expect(() => verifyWebhook({ secrets: [stranger], headers, body: BODY, nowSeconds: official.timestamp })).toThrow(WebhookSignatureError);
    expect(() => webhookHeaders({ secret: [], msgId: MSG_ID, timestamp: official.timestamp, body: BODY })).toThrow(RangeError);
  });

  it.each([-1, 1.5, Number.NaN])('refuses timestamp %s', (timestamp) => {
    expect(() => signWebhook({ secret: SECRET, msgId: MSG_ID, timestamp, body: BODY })).toThrow(RangeError);
  });
});

type Expectation = 'ok' | WebhookSignatureFailure;
interface Row {
  /** Index into the fixture's verify_cases that this row exercises. */
  fixtureCase: number;
  name: string;
  input: () => VerifyWebhookInput;
  expected: Expectation;
}

const validAt = (timestamp: number, overrides: Partial<VerifyWebhookInput> = {}): VerifyWebhookInput => ({
  secrets: [SECRET],
  headers: signedHeaders(timestamp),
  body: BODY,
  nowSeconds: NOW,
  ...overrides,
});
const withSignature = (signature: string): VerifyWebhookInput =>
  validAt(NOW, { headers: { ...signedHeaders(NOW), 'webhook-signature': signature } });
const without = (header: string): VerifyWebhookInput => {
  const headers: Record<string, string> = { ...signedHeaders(NOW) };
  delete headers[header];
  return validAt(NOW, { headers });
};
const validSignature = signedHeaders(NOW)['webhook-signature']!;
const OTHER = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';

const rows: Row[] = [
  { fixtureCase: 0, name: 'valid signature at timestamp = now', input: () => validAt(NOW), expected: 'ok' },
  { fixtureCase: 1, name: 'secret without the whsec_ prefix', input: () => validAt(NOW, { secrets: [SECRET.slice(6)] }), expected: 'ok' },
  { fixtureCase: 2, name: "secret 'whsec_' (empty)", input: () => validAt(NOW, { secrets: ['whsec_'] }), expected: 'invalid_secret' },
  { fixtureCase: 3, name: 'missing webhook-id', input: () => without('webhook-id'), expected: 'missing_headers' },
  { fixtureCase: 3, name: 'missing webhook-timestamp', input: () => without('webhook-timestamp'), expected: 'missing_headers' },
  { fixtureCase: 3, name: 'missing webhook-signature', input: () => without('webhook-signature'), expected: 'missing_headers' },
  {
    fixtureCase: 4,
    name: 'non-numeric webhook-timestamp',
    input: () => validAt(NOW, { headers: { ...signedHeaders(NOW), 'webhook-timestamp': 'notanumber' } }),
    expected: 'invalid_headers',
  },
  {
    fixtureCase: 5,
    name: 'official signature with its last character changed',
    input: () => ({
      secrets: [SECRET],
      headers: { 'webhook-id': MSG_ID, 'webhook-timestamp': String(official.timestamp), 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=' },
      body: BODY,
      nowSeconds: official.timestamp,
    }),
    expected: 'bad_signature',
  },
  { fixtureCase: 6, name: "signature 'v1,' (empty)", input: () => withSignature('v1,'), expected: 'bad_signature' },
  { fixtureCase: 6, name: "signature 'v1,dawfeoifkpqwoekfpqoekf'", input: () => withSignature('v1,dawfeoifkpqwoekfpqoekf'), expected: 'bad_signature' },
  { fixtureCase: 7, name: 'timestamp now-5min-1s (validly signed)', input: () => validAt(NOW - 301), expected: 'timestamp_too_old' },
  { fixtureCase: 7, name: 'timestamp exactly now-5min is still accepted', input: () => validAt(NOW - 300), expected: 'ok' },
  { fixtureCase: 8, name: 'timestamp now+5min+1s (validly signed)', input: () => validAt(NOW + 301), expected: 'timestamp_too_new' },
  { fixtureCase: 8, name: 'timestamp exactly now+5min is still accepted', input: () => validAt(NOW + 300), expected: 'ok' },
  {
    fixtureCase: 9,
    name: 'multi-signature header with one valid v1 entry among others and a v2',
    input: () => withSignature(`${OTHER} v2,${OTHER.slice(3)} ${validSignature} ${OTHER}`),
    expected: 'ok',
  },
  {
    fixtureCase: 9,
    name: 'a correct MAC under an unknown version (v2) is skipped, not accepted',
    input: () => withSignature(`${OTHER} v2,${validSignature.slice(3)}`),
    expected: 'bad_signature',
  },
  ...['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr'].map(
    (secret): Row => ({
      fixtureCase: 10,
      name: `unpadded secret ${secret}`,
      input: () => validAt(NOW, { secrets: [secret], headers: signedHeaders(NOW, secret) }),
      expected: 'ok',
    }),
  ),
  // Beyond the fixture: behaviours a receiver depends on.
  { fixtureCase: -1, name: 'body altered by one character', input: () => validAt(NOW, { body: BODY.replace('2432', '2433') }), expected: 'bad_signature' },
  {
    fixtureCase: -1,
    name: 'rotation: the second of two secrets matches',
    input: () => validAt(NOW, { secrets: ['whsec_' + Buffer.from('an old secret of 24 bytes').toString('base64'), SECRET] }),
    expected: 'ok',
  },
  {
    fixtureCase: -1,
    name: 'a different secret does not verify',
    input: () => validAt(NOW, { secrets: ['whsec_' + Buffer.from('an old secret of 24 bytes').toString('base64')] }),
    expected: 'bad_signature',
  },
  { fixtureCase: -1, name: 'no secrets at all', input: () => validAt(NOW, { secrets: [] }), expected: 'invalid_secret' },
  {
    fixtureCase: -1,
    name: 'header names in any case (Fetch Headers)',
    input: () => validAt(NOW, { headers: new Headers({ 'Webhook-Id': MSG_ID, 'WEBHOOK-TIMESTAMP': String(NOW), 'Webhook-Signature': validSignature }) }),
    expected: 'ok',
  },
  {
    fixtureCase: -1,
    name: 'header names in any case (plain record)',
    input: () => validAt(NOW, { headers: { 'Webhook-Id': MSG_ID, 'Webhook-Timestamp': String(NOW), 'Webhook-Signature': validSignature } }),
    expected: 'ok',
  },
  { fixtureCase: -1, name: 'a tolerance of 0 refuses a 1 s old message', input: () => validAt(NOW - 1, { toleranceSeconds: 0 }), expected: 'timestamp_too_old' },
];

describe('verifyWebhook against every official verify case', () => {
  it('the table covers every verify_case in the fixture', () => {
    const covered = new Set(rows.map((r) => r.fixtureCase));
    vectors.verify_cases.forEach((_c, i) => expect(covered, `verify_cases[${i}]`).toContain(i));
  });

  it.each(rows)('$name → $expected', ({ input, expected }) => {
    const args = input();
    if (expected === 'ok') {
      expect(verifyWebhook(args)).toBe(true);
      return;
    }
    let caught: unknown;
    try {
      verifyWebhook(args);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WebhookSignatureError);
    expect((caught as WebhookSignatureError).reason).toBe(expected);
    expect((caught as Error).message).not.toContain(SECRET.slice(6));
  });
});
