import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { errorHandler } from './error-handler.js';

/** Runs the handler on `err` with a recording logger and response. */
function handle(err: unknown): { status: number; body: unknown; logged: unknown[][] } {
  const logged: unknown[][] = [];
  const logger = { error: (...args: unknown[]) => logged.push(args) } as unknown as Logger;
  const out = { status: 0, body: undefined as unknown };
  const res = {
    headersSent: false,
    locals: { requestId: 'req-1' },
    setHeader: () => res,
    status(code: number) {
      out.status = code;
      return res;
    },
    json(body: unknown) {
      out.body = body;
      return res;
    },
  };
  errorHandler(logger)(err, { path: '/v1/jobs' } as Request, res as unknown as Response, (() => undefined) as NextFunction);
  return { ...out, logged };
}

/** body-parser's errors (and the hot lane's, api/json-body.ts) are Errors with `status` and `type`. */
function bodyError(status: number, type: string): Error {
  return Object.assign(new Error(type), { status, type, expose: true });
}

describe('errorHandler', () => {
  it('answers an upload the client abandoned with a 400, not a logged 500', () => {
    const { status, body, logged } = handle(bodyError(400, 'request.aborted'));
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_request' } });
    expect(logged).toEqual([]);
  });

  it.each([
    ['entity.too.large', 413],
    ['entity.parse.failed', 400],
    ['charset.unsupported', 400],
  ])('maps body-parser %s to %i without logging', (type, expected) => {
    const { status, logged } = handle(bodyError(expected, type));
    expect(status).toBe(expected);
    expect(logged).toEqual([]);
  });

  it('logs an unexpected error by its message only and answers a bare 500', () => {
    const { status, body, logged } = handle(new Error('socket hang up at 10.0.0.7'));
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('10.0.0.7');
    expect(logged).toHaveLength(1);
    expect(logged[0]![0]).toEqual({ err: { message: 'socket hang up at 10.0.0.7', name: 'Error' }, requestId: 'req-1', path: '/v1/jobs' });
  });

  it('passes a GatewayError through with its own status', () => {
    expect(handle(new GatewayError('rate_limited', 'slow down', { retryAfterMs: 1500 })).status).toBe(429);
  });
});
