import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** `x-request-id` in and out: the client's own (if sane) or a new one, echoed on every response. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const given = req.header('x-request-id');
  const id = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  next();
}
