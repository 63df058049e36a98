import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/providers/vendor-fixtures.js';
import type { ErrorCode } from '../../errors/error-codes.js';
import { classifyGeminiFailure } from './gemini-errors.js';

interface ErrorCase {
  case: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
const cases = readFixture<{ cases: ErrorCase[] }>('gemini', 'errors.json').cases;
const recorded = (name: string) => cases.find((c) => c.case === name)!;

describe('Gemini errors → gateway errors (recorded bodies)', () => {
  it.each<[string, ErrorCode, boolean, number | undefined]>([
    ['400 INVALID_ARGUMENT (live capture)', 'invalid_request', false, undefined],
    ['400 INVALID_ARGUMENT (token limit, with errors[] array)', 'context_length_exceeded', false, undefined],
    ['404 NOT_FOUND on streamGenerateContent (recorded)', 'invalid_request', false, undefined],
    ['429 RESOURCE_EXHAUSTED', 'rate_limited', true, 47_000],
    ['500 INTERNAL', 'server_error', true, undefined],
    ['503 UNAVAILABLE', 'overloaded', true, undefined],
  ])('%s → %s', (name, code, retryable, retryAfterMs) => {
    const { status, headers, body } = recorded(name);
    const error = classifyGeminiFailure({ kind: 'http', status, headers, body });
    expect([error.code, error.retryable, error.retryAfterMs, error.vendorStatus]).toEqual([code, retryable, retryAfterMs, status]);
    expect(error.message).toMatch(/^Provider error: /);
  });

  it('reads a JSON body that the SDK wrapped as a text message (error JSON served as text/event-stream)', () => {
    const { body } = recorded('404 NOT_FOUND on streamGenerateContent (recorded)');
    const wrapped = { error: { message: JSON.stringify(body), code: 404, status: 'Not Found' } };
    const error = classifyGeminiFailure({ kind: 'http', status: 404, headers: {}, body: wrapped });
    expect(error.message).toMatch(/^Provider error: models\/custom-gemini-2.0-flash is not found/);
  });

  it.each<[string, unknown, number | undefined]>([
    ['fractional RetryInfo seconds', { error: { status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' }] } }, 1500],
    ['no RetryInfo: the "Please retry in" text', { error: { status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded. Please retry in 2.25s.' } }, 2250],
    ['nothing to go on', { error: { status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded.' } }, undefined],
  ])('429 retry delay from %s', (_name, body, expected) => {
    expect(classifyGeminiFailure({ kind: 'http', status: 429, headers: {}, body }).retryAfterMs).toBe(expected);
  });

  it('falls back to a retry-after header when the body says nothing', () => {
    expect(classifyGeminiFailure({ kind: 'http', status: 503, headers: { 'retry-after': '4' }, body: null }).retryAfterMs).toBe(4000);
  });

  it('a 400 refusing our API key → auth, not the client\'s fault', () => {
    const body = { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }] } };
    const error = classifyGeminiFailure({ kind: 'http', status: 400, headers: {}, body });
    expect([error.code, error.retryable, error.status]).toEqual(['auth', false, 502]);
  });

  it.each<[number, string, ErrorCode]>([
    [401, 'UNAUTHENTICATED', 'auth'],
    [403, 'PERMISSION_DENIED', 'auth'],
    [504, 'DEADLINE_EXCEEDED', 'timeout'],
    [400, 'FAILED_PRECONDITION', 'invalid_request'],
  ])('%i %s → %s', (status, rpcStatus, code) => {
    expect(classifyGeminiFailure({ kind: 'http', status, headers: {}, body: { error: { code: status, status: rpcStatus, message: 'x' } } }).code).toBe(code);
  });

  it('never passes a key-looking string through', () => {
    const body = { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'API key not valid: AIzaSyA-1234567890abcdefgh' } };
    expect(classifyGeminiFailure({ kind: 'http', status: 400, headers: {}, body }).message).not.toContain('1234567890abcdefgh');
  });

  it('transport failures keep their meaning', () => {
    expect(classifyGeminiFailure({ kind: 'timeout', message: 't' }).code).toBe('timeout');
    expect(classifyGeminiFailure({ kind: 'aborted', message: 'a' }).code).toBe('cancelled');
  });
});
