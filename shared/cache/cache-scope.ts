import type { CacheConfig } from './cache-config.js';
import { tenantHash } from './cache-keys.js';
import { VOLATILE_REQUEST_FIELDS, type CacheRequest } from './cache-request.js';
import { stableHash } from './stable-json.js';

/** Who is asking and for what, as the API layer knows it. */
export interface CacheContext {
  /** The team of the virtual key; entries never cross teams unless a shared namespace says so. */
  readonly team: string;
  /** The model alias the client asked for (what routing resolved from `model`). */
  readonly modelAlias: string;
  /** A shared namespace to read and write instead of the team's own entries (must list the team). */
  readonly namespace?: string;
  /** Per-request similarity threshold (header `x-switchyard-cache-threshold`), 0..1. */
  readonly threshold?: number;
  /** Skip lookup (header `x-switchyard-cache: no-cache`). */
  readonly noCache?: boolean;
}

/** The keys one request is cached under. */
export interface CacheScope {
  /** `team:<id>` or `ns:<name>`: whose entries these are (purge works on this). */
  readonly tenant: string;
  readonly tenantHash: string;
  /**
   * Hash of everything except the conversation: tenant, model alias, every request field other than
   * `messages` and the volatile ones, and the system/developer messages. Unknown fields are included,
   * so a field the cache does not understand narrows the scope instead of being ignored.
   */
  readonly scopeHash: string;
  /** Exact-tier hash: the scope plus every message as sent. */
  readonly requestHash: string;
}

/**
 * The tenant a request reads and writes: its team, or a shared namespace that lists the team.
 * Returns null when the request names a namespace it may not use (the caller bypasses the cache).
 */
export function resolveTenant(ctx: CacheContext, sharedNamespaces: CacheConfig['sharedNamespaces']): string | null {
  if (ctx.namespace === undefined) return `team:${ctx.team}`;
  const shared = sharedNamespaces[ctx.namespace];
  if (shared === undefined || !shared.teams.includes(ctx.team)) return null;
  return `ns:${ctx.namespace}`;
}

/** Computes the scope and exact-tier hashes of a request for one tenant and model alias. */
export function computeCacheScope(request: CacheRequest, tenant: string, modelAlias: string): CacheScope {
  const params: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(request)) {
    if (field === 'messages' || (VOLATILE_REQUEST_FIELDS as readonly string[]).includes(field)) continue;
    params[field] = value;
  }
  const instructions = request.messages
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .map((message) => ({ role: message.role, name: message.name, content: message.content }));
  const scopeHash = stableHash({ v: 1, tenant, modelAlias, params, instructions });
  const requestHash = stableHash({ v: 1, scopeHash, messages: request.messages });
  return { tenant, tenantHash: tenantHash(tenant), scopeHash, requestHash };
}

/**
 * The semantic tier's scope: the request scope narrowed by everything in the conversation that must
 * match exactly (earlier turns, non-text parts of the final prompt). See semantic-eligibility.ts.
 */
export function semanticScopeHash(scopeHash: string, exactContext: string): string {
  return stableHash({ v: 1, scopeHash, exactContext });
}
