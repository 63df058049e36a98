import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/providers/vendor-fixtures.js';
import type { ErrorCode } from '../../errors/error-codes.js';
import { anthropicRetryAfterMs, anthropicStreamErrorFailure, classifyAnthropicFailure } from './anthropic-errors.js';

interface ErrorCase {
  case: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  sse?: string;
}
const cases = readFixture<{ cases: ErrorCase[] }>('anthropic', 'errors.json').cases.filter((c) => c.body !== undefined);
const NOW = Date.parse('2025-08-21T12:40:30Z');

describe('Anthropic errors → gateway errors (recorded bodies and headers)', () => {
  it.each<[string, ErrorCode, boolean, number | undefined]>([
    ['400 invalid_request_error', 'invalid_request', false, undefined],
    ['400 invalid_request_error (real capture)', 'invalid_request', false, undefined],
    ['401 authentication_error', 'auth', false, undefined],
    ['429 rate_limit_error', 'rate_limited', true, 17_000],
    ['500 api_error', 'server_error', true, undefined],
    ['529 overloaded_error (real capture incl. headers)', 'overloaded', true, undefined],
  ])('%s → %s', (name, code, retryable, retryAfterMs) => {
    const recorded = cases.find((c) => c.case === name)!;
    const error = classifyAnthropicFailure({ kind: 'http', status: recorded.status, headers: recorded.headers, body: recorded.body }, NOW);
    expect([error.code, error.retryable, error.retryAfterMs, error.vendorStatus]).toEqual([code, retryable, retryAfterMs, recorded.status]);
    expect(error.message).toMatch(/^Provider error: /);
  });

  it.each([
    ['prompt is too long: 208310 tokens > 200000 maximum'],
    ['input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000'],
  ])('a 400 saying %j → context_length_exceeded', (message) => {
    const body = { type: 'error', error: { type: 'invalid_request_error', message } };
    expect(classifyAnthropicFailure({ kind: 'http', status: 400, headers: {}, body }).code).toBe('context_length_exceeded');
  });

  it.each<[number, ErrorCode]>([
    [413, 'payload_too_large'],
    [429, 'rate_limited'],
    [503, 'overloaded'],
    [529, 'overloaded'],
    [504, 'timeout'],
    [502, 'server_error'],
    [404, 'invalid_request'],
  ])('a bodyless %i → %s', (status, code) => {
    expect(classifyAnthropicFailure({ kind: 'http', status, headers: {}, body: null }).code).toBe(code);
  });

  it.each<[string, ErrorCode]>([
    ['timeout', 'timeout'],
    ['connection', 'connection'],
    ['malformed', 'server_error'],
    ['aborted', 'cancelled'],
  ])('a %s transport failure → %s', (kind, code) => {
    const failure = { kind, message: 'x' } as Parameters<typeof classifyAnthropicFailure>[0];
    expect(classifyAnthropicFailure(failure).code).toBe(code);
  });

  it('classifies a mid-stream error event by its type, keeping the stream status 200', () => {
    const error = classifyAnthropicFailure(anthropicStreamErrorFailure({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }));
    expect([error.code, error.vendorStatus]).toEqual(['rate_limited', 200]);
  });

  it('never passes a key-looking string through', () => {
    const body = { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key sk-ant-api03-abcdefghijklmnop' } };
    expect(classifyAnthropicFailure({ kind: 'http', status: 401, headers: {}, body }).message).not.toContain('abcdefghijklmnop');
  });
});

describe('Anthropic retry-after', () => {
  const exhausted = {
    'anthropic-ratelimit-requests-remaining': '5',
    'anthropic-ratelimit-requests-reset': '2025-08-21T12:42:00Z',
    'anthropic-ratelimit-input-tokens-remaining': '0',
    'anthropic-ratelimit-input-tokens-reset': '2025-08-21T12:40:59Z',
    'anthropic-ratelimit-output-tokens-remaining': '0',
    'anthropic-ratelimit-output-tokens-reset': '2025-08-21T12:41:00Z',
  };

  it.each<[string, Record<string, string>, number | undefined]>([
    ['retry-after seconds win', { ...exhausted, 'retry-after': '3' }, 3000],
    ['else the latest reset among exhausted limits', exhausted, 30_000],
    ['no exhausted limit and no retry-after → unknown', { 'anthropic-ratelimit-requests-remaining': '5', 'anthropic-ratelimit-requests-reset': '2025-08-21T12:42:00Z' }, undefined],
    ['a reset in the past → 0', { 'anthropic-ratelimit-tokens-remaining': '0', 'anthropic-ratelimit-tokens-reset': '2025-08-21T12:00:00Z' }, 0],
  ])('%s', (_name, headers, expected) => {
    expect(anthropicRetryAfterMs(headers, NOW)).toBe(expected);
  });

  it('a 429 without retry-after takes its wait from the reset headers', () => {
    const body = { type: 'error', error: { type: 'rate_limit_error', message: 'limit' } };
    expect(classifyAnthropicFailure({ kind: 'http', status: 429, headers: exhausted, body }, NOW).retryAfterMs).toBe(30_000);
  });
});
