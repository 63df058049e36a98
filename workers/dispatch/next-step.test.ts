import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load-config.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import type { ErrorCode } from '../../shared/errors/error-codes.js';
import type { AttemptRecord, JobRecord } from '../../shared/jobs/job-record.js';
import { backoffMs, nextStep } from './next-step.js';

const config = parseConfig({
  deployments: {
    a: { provider: 'mock', maxAttempts: 2, contextTokens: 128_000 },
    b: { provider: 'mock' },
    small: { provider: 'mock', contextTokens: 8_000 },
    big: { provider: 'mock', contextTokens: 1_000_000 },
  },
  models: {
    m: [{ deployment: 'a', model: 'x' }, { deployment: 'b', model: 'y' }],
    ctx: [{ deployment: 'a', model: 'x' }, { deployment: 'small', model: 's' }, { deployment: 'big', model: 'b' }],
    tight: [{ deployment: 'a', model: 'x' }, { deployment: 'small', model: 's' }],
  },
});
const policy = { retryBaseDelayMs: 100, retryMaxDelayMs: 1000 };

function record(step: number): JobRecord {
  return { route: config.models.m!, step } as JobRecord;
}
function attempts(n: number, step = 0): AttemptRecord[] {
  return Array.from({ length: n }, () => ({ step, deployment: 'a', model: 'x', status: 'failed', error: null, latency_ms: 1 }));
}

describe('nextStep', () => {
  it.each<[ErrorCode, number, string]>([
    ['rate_limited', 1, 'retry'],
    ['overloaded', 1, 'retry'],
    ['server_error', 1, 'retry'],
    ['timeout', 1, 'retry'],
    ['connection', 1, 'retry'],
    ['rate_limited', 2, 'failover'],
    ['server_error', 2, 'failover'],
    ['context_length_exceeded', 1, 'failover'],
    ['invalid_request', 1, 'fail'],
    ['unsupported_parameter', 1, 'fail'],
    ['auth', 1, 'fail'],
    ['content_filter', 1, 'fail'],
    ['cancelled', 1, 'fail'],
  ])('%s after %i attempt(s) on the primary → %s', (code, tries, expected) => {
    const decision = nextStep(record(0), attempts(tries), new GatewayError(code, 'x'), config.deployments, policy, () => 0.5);
    expect(decision.kind).toBe(expected);
    if (decision.kind === 'failover') expect(decision.step).toBe(1);
  });

  it('fails when the last target is exhausted', () => {
    const decision = nextStep(record(1), attempts(3, 1), new GatewayError('server_error', 'x'), config.deployments, policy);
    expect(decision.kind).toBe('fail');
  });

  it('fails over at once when the vendor asks for a longer wait than the backoff cap', () => {
    const error = new GatewayError('rate_limited', 'x', { retryAfterMs: 5000 });
    expect(nextStep(record(0), attempts(1), error, config.deployments, policy).kind).toBe('failover');
  });

  it('waits at least the vendor retry-after on a retry', () => {
    const error = new GatewayError('rate_limited', 'x', { retryAfterMs: 700 });
    const decision = nextStep(record(1), attempts(1, 1), error, config.deployments, policy, () => 0);
    expect(decision).toEqual({ kind: 'retry', step: 1, delayMs: 700 });
  });
});

describe('nextStep on context_length_exceeded', () => {
  it('skips targets whose context window is not larger', () => {
    const record = { route: config.models.ctx!, step: 0 } as JobRecord;
    expect(nextStep(record, attempts(1), new GatewayError('context_length_exceeded', 'x'), config.deployments, policy)).toEqual({ kind: 'failover', step: 2 });
  });

  it('fails when no later target has a larger context', () => {
    const record = { route: config.models.tight!, step: 0 } as JobRecord;
    expect(nextStep(record, attempts(1), new GatewayError('context_length_exceeded', 'x'), config.deployments, policy).kind).toBe('fail');
  });
});

describe('nextStep with a deadline', () => {
  const NOW = 1_000_000;
  function due(step: number, deadlineAt: number, route = config.models.m!): JobRecord {
    return { route, step, deadlineAt } as JobRecord;
  }
  const rateLimited = new GatewayError('rate_limited', 'x', { retryAfterMs: 400 });

  it('retries when the retry starts before the deadline', () => {
    expect(nextStep(due(0, NOW + 401), attempts(1), rateLimited, config.deployments, policy, () => 0, NOW)).toEqual({ kind: 'retry', step: 0, delayMs: 400 });
  });

  it('fails over at once instead of a retry that would start at or after the deadline', () => {
    expect(nextStep(due(0, NOW + 400), attempts(1), rateLimited, config.deployments, policy, () => 0, NOW)).toEqual({ kind: 'failover', step: 1 });
  });

  it('fails with deadline_exceeded now, on the last target, instead of a retry past the deadline', () => {
    expect(nextStep(due(1, NOW + 300), attempts(1, 1), rateLimited, config.deployments, policy, () => 0, NOW)).toEqual({ kind: 'deadline' });
  });

  it.each<[ErrorCode, number]>([
    ['timeout', 0],
    ['server_error', 1],
    ['context_length_exceeded', 0],
  ])('does not move on after the deadline has passed (%s on step %i)', (code, step) => {
    const route = code === 'context_length_exceeded' ? config.models.ctx! : config.models.m!;
    expect(nextStep(due(step, NOW, route), attempts(1, step), new GatewayError(code, 'x'), config.deployments, policy, () => 0, NOW)).toEqual({ kind: 'deadline' });
  });

  it('keeps the request’s own verdict for failures that never retry', () => {
    expect(nextStep(due(0, NOW - 1), attempts(1), new GatewayError('invalid_request', 'x'), config.deployments, policy, () => 0, NOW)).toEqual({ kind: 'fail' });
  });

  it('treats deadlineAt 0 as no deadline', () => {
    expect(nextStep(due(0, 0), attempts(1), rateLimited, config.deployments, policy, () => 0, NOW).kind).toBe('retry');
  });
});

describe('backoffMs', () => {
  it('doubles per try with equal jitter and stays under the cap', () => {
    expect(backoffMs(1, undefined, policy, () => 0)).toBe(50);
    expect(backoffMs(1, undefined, policy, () => 1)).toBe(100);
    expect(backoffMs(3, undefined, policy, () => 1)).toBe(400);
    expect(backoffMs(10, undefined, policy, () => 1)).toBe(1000);
  });
});
