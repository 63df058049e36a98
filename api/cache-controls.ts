import type { Request } from 'express';
import type { CacheContext } from '../shared/cache/cache-scope.js';
import { GatewayError } from '../shared/errors/gateway-error.js';
import type { CacheWrite } from '../shared/jobs/job-record.js';

export const CACHE_DIRECTIVES = ['no-store', 'no-cache', 'only-if-cached'] as const;
type CacheDirective = (typeof CACHE_DIRECTIVES)[number];

/** The cache controls of one request, from `x-switchyard-cache*` headers. */
export interface CacheControls {
  /** Skip the lookup (`no-cache`). */
  noCache: boolean;
  /** Never store the answer (`no-store`). */
  noStore: boolean;
  /** Answer 504 instead of calling a vendor on a miss (`only-if-cached`). */
  onlyIfCached: boolean;
  ttlSeconds: number | undefined;
  threshold: number | undefined;
  namespace: string | undefined;
}

/**
 * Parses `x-switchyard-cache: no-store|no-cache|only-if-cached` (comma-separated),
 * `x-switchyard-cache-ttl` (seconds), `x-switchyard-cache-threshold` (0..1) and
 * `x-switchyard-cache-namespace`. Out-of-range values are a 400, never clamped.
 */
export function cacheControls(req: Request): CacheControls {
  const directives = new Set<CacheDirective>();
  for (const raw of (req.header('x-switchyard-cache') ?? '').split(',')) {
    const value = raw.trim().toLowerCase();
    if (!value) continue;
    if (!(CACHE_DIRECTIVES as readonly string[]).includes(value)) {
      throw new GatewayError('invalid_request', `'x-switchyard-cache' takes ${CACHE_DIRECTIVES.join(', ')}; got '${value}'.`, { param: 'x-switchyard-cache' });
    }
    directives.add(value as CacheDirective);
  }
  return {
    noCache: directives.has('no-cache'),
    noStore: directives.has('no-store'),
    onlyIfCached: directives.has('only-if-cached'),
    ttlSeconds: numberHeader(req, 'x-switchyard-cache-ttl', (n) => Number.isInteger(n) && n > 0 && n <= 31_536_000, 'a whole number of seconds from 1 to 31536000'),
    threshold: numberHeader(req, 'x-switchyard-cache-threshold', (n) => n >= 0 && n <= 1, 'a number from 0 to 1'),
    namespace: req.header('x-switchyard-cache-namespace') || undefined,
  };
}

export function cacheContext(controls: CacheControls, team: string, modelAlias: string): CacheContext {
  return { team, modelAlias, namespace: controls.namespace, threshold: controls.threshold, noCache: controls.noCache };
}

/** What the worker does with the answer. */
export function cacheWrite(controls: CacheControls, cacheEnabled: boolean): CacheWrite {
  return { store: cacheEnabled && !controls.noStore, ttlSeconds: controls.ttlSeconds, namespace: controls.namespace };
}

function numberHeader(req: Request, name: string, valid: (n: number) => boolean, expected: string): number | undefined {
  const raw = req.header(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !valid(n)) throw new GatewayError('invalid_request', `'${name}' must be ${expected}.`, { param: name });
  return n;
}
