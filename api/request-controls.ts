import type { Request } from 'express';
import { GatewayError } from '../shared/errors/gateway-error.js';
import { parseFallbacksHeader, type FallbackOverride } from '../shared/routing/route-overrides.js';

/** Per-request controls from `x-switchyard-*` headers. */
export interface RequestControls {
  fallbacks: FallbackOverride | undefined;
  /** Relative deadline in ms from `x-switchyard-deadline-ms`, if given. */
  deadlineMs: number | undefined;
}

export function requestControls(req: Request): RequestControls {
  return {
    fallbacks: parseFallbacksHeader(req.header('x-switchyard-fallbacks')),
    deadlineMs: parseDeadline(req.header('x-switchyard-deadline-ms'), 'x-switchyard-deadline-ms'),
  };
}

/** A relative deadline: a positive integer of milliseconds, at most a day. */
export function parseDeadline(value: unknown, param: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0 || ms > 86_400_000) {
    throw new GatewayError('invalid_request', `'${param}' must be a whole number of milliseconds from 1 to 86400000.`, { param });
  }
  return ms;
}
