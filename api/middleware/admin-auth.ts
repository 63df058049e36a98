import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { bearerToken } from './virtual-key-auth.js';

/**
 * Admin routes: `Authorization: Bearer <admin key>`, or HTTP Basic with the admin key as password
 * so a browser can open Bull Board (it prompts for credentials on the 401).
 */
export function adminAuth(adminKey: string) {
  const expected = digest(adminKey);
  return (req: Request, res: Response, next: NextFunction): void => {
    const presented = bearerToken(req.headers.authorization) ?? basicPassword(req.headers.authorization);
    if (presented && timingSafeEqual(digest(presented), expected)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="switchyard-admin"');
    throw new GatewayError('invalid_api_key', 'This endpoint requires the admin key.');
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function basicPassword(header: string | undefined): string | null {
  const match = header ? /^Basic\s+(\S+)$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : null;
}
