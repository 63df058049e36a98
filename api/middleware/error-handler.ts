import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { GatewayError, toGatewayError } from '../../shared/errors/gateway-error.js';
import { zodToGatewayError } from '../zod-error.js';

/**
 * The one place error responses are written: always the OpenAI error body, with the code's status
 * and, for rate limits, `retry-after`. Unexpected errors are logged (message only) and become a
 * plain 500 with no stack or detail.
 */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const error = classify(err);
    if (error.code === 'internal') logger.error({ err: describe(error.cause ?? err), requestId: res.locals.requestId, path: req.path }, 'unhandled error');
    if (res.headersSent) {
      res.end();
      return;
    }
    if (error.retryAfterMs !== undefined) res.setHeader('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
    res.status(error.status).json(error.toBody());
  };
}

function classify(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof ZodError) return zodToGatewayError(err);
  // body-parser's errors carry a `type`; map the ones a client causes.
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new GatewayError('payload_too_large', 'The request body is too large.');
  if (type === 'entity.parse.failed') return new GatewayError('invalid_request', 'We could not parse the JSON body of your request.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new GatewayError('invalid_request', 'Unsupported request body encoding.');
  // The client went away mid-upload: its fault, not ours, and nothing to log as a server error.
  if (type === 'request.aborted') return new GatewayError('invalid_request', 'The request body ended early: the client closed the connection while sending it.');
  return toGatewayError(err);
}

function describe(err: unknown): { message: string; name?: string } {
  return err instanceof Error ? { message: err.message, name: err.name } : { message: String(err) };
}
