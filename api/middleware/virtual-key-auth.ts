import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import type { KeyRecord, KeyStore } from '../../shared/keys/key-store.js';
import { hashVirtualKey } from '../../shared/keys/virtual-key.js';

/** How long a looked-up key is trusted without asking Redis again; revocations are pushed sooner. */
const CACHE_TTL_MS = 10_000;

/**
 * Authenticates `Authorization: Bearer <virtual key>`. Keys are cached briefly by hash, and dropped
 * from the cache the moment any process revokes them (the key events channel calls `forget`).
 */
export class VirtualKeyAuth {
  private readonly cache = new Map<string, { record: KeyRecord; expiresAt: number }>();

  constructor(private readonly keyStore: KeyStore) {}

  readonly middleware = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    await this.authenticate(req, res);
    next();
  };

  /** Sets `res.locals.key` from the request's bearer key, or throws the 401. */
  async authenticate(req: Request, res: Response): Promise<void> {
    const presented = bearerToken(req.headers.authorization);
    if (!presented) throw new GatewayError('invalid_api_key', 'You didn\'t provide an API key. Provide your Switchyard key in the Authorization header as "Bearer <key>".');
    const record = await this.lookup(presented);
    if (!record) throw new GatewayError('invalid_api_key', 'Incorrect API key provided.');
    res.locals.key = record;
  }

  /** Drops a revoked, rotated, disabled or edited key from this process's cache (called with the key id). */
  forget(keyId: string): void {
    for (const [digest, entry] of this.cache) if (entry.record.id === keyId) this.cache.delete(digest);
  }

  /** Drops every cached key: revocations published while this process was not subscribed were missed. */
  forgetAll(): void {
    this.cache.clear();
  }

  private async lookup(presented: string): Promise<KeyRecord | null> {
    const digest = hashVirtualKey(presented);
    const cached = this.cache.get(digest);
    if (cached && cached.expiresAt > Date.now()) return cached.record;
    const record = await this.keyStore.authenticate(presented);
    // A rotated-out secret is trusted no longer than its grace period lasts.
    if (record) this.cache.set(digest, { record, expiresAt: Math.min(Date.now() + CACHE_TTL_MS, record.authenticatedUntilMs ?? Infinity) });
    else this.cache.delete(digest);
    return record;
  }
}

/** The key a request authenticated with (set by the middleware). */
export function requestKey(res: Response): KeyRecord {
  return res.locals.key as KeyRecord;
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}
