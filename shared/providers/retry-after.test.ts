import { describe, expect, it } from 'vitest';
import { parseDurationMs, retryAfterMsFromHeaders } from './retry-after.js';

const NOW = Date.parse('2025-08-21T12:40:00Z');

describe('parseDurationMs', () => {
  it.each([
    ['20ms', 20],
    ['1s', 1000],
    ['3.89s', 3890],
    ['6m0s', 360_000],
    ['1m30.5s', 90_500],
    ['1h2m3s', 3_723_000],
    ['0s', 0],
    ['2', 2000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBeCloseTo(ms, 6);
  });

  it.each(['', 'soon', '1x', 's', '1s2', '-1s'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});

describe('retryAfterMsFromHeaders', () => {
  it.each<[string, Record<string, string>, number | undefined]>([
    ['retry-after-ms first', { 'retry-after-ms': '1500', 'retry-after': '4' }, 1500],
    ['retry-after seconds', { 'retry-after': '4' }, 4000],
    ['retry-after as an HTTP date', { 'retry-after': 'Thu, 21 Aug 2025 12:40:07 GMT' }, 7000],
    ['retry-after wins over the reset headers', { 'retry-after': '4', 'x-ratelimit-reset-tokens': '3.89s', 'x-ratelimit-remaining-tokens': '0' }, 4000],
    // The recorded OpenAI 429 without its retry-after: requests still have room, tokens are spent.
    [
      'the reset of the exhausted limit only',
      { 'x-ratelimit-remaining-requests': '4999', 'x-ratelimit-reset-requests': '12ms', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '3.89s' },
      3890,
    ],
    ['the longest of two exhausted limits', { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '20ms' }, 360_000],
    ['every reset when no remaining header is sent', { 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '20ms' }, 1000],
    ['nothing when no limit is exhausted', { 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '1s' }, undefined],
    ['an unreadable retry-after falls back to the reset headers', { 'retry-after': 'later', 'x-ratelimit-reset-requests': '2s' }, 2000],
    ['no headers', {}, undefined],
  ])('%s', (_name, headers, expected) => {
    expect(retryAfterMsFromHeaders(headers, NOW)).toBe(expected);
  });
});
