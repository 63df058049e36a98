/**
 * Redis keys of the rate limiter, built in one place.
 *
 * A *scope* is one limited entity (a deployment, a virtual key, a team). Every scope lives in a
 * *tag group*: the Redis Cluster hash tag `{rl:<tag>}` that all of a reservation's keys share, so the
 * reserve script (which must see every bucket it takes from) touches a single slot.
 *
 * - A deployment is its own group: `dep:<deployment>`. Its RPM and TPM buckets and its pause share it.
 * - A key and its team share the team's group: `team:<team>`. Admission checks key RPM/TPM and team
 *   RPM/TPM in ONE script (all or nothing), which needs all four buckets in one slot. We chose the shared
 *   tag over two scripts (key first, then team, with a compensating refund on failure) because the
 *   two-script form is not atomic: a crash between them leaks a key reservation, and two racing requests
 *   can each pass one half. The cost is that all of one team's limiter keys sit in one slot, which is
 *   fine: a team's traffic to that slot is bounded by the team's own limits. A key that moves to another
 *   team starts with full buckets under the new tag (the old ones expire on their own).
 * - Deployment buckets and key/team buckets are never reserved together (admission happens in the API,
 *   pacing in the worker), so they need no common tag.
 *
 * Key contract (`<p>` is the instance prefix; it must not itself contain a `{...}` hash tag unless
 * every rate-limit key is meant to sit in one slot):
 * - `<p>:{rl:<tag>}:b:<scope>:rpm|tpm`  hash {tokens, ts}: one token bucket. `tokens` may be negative
 *    (debt from a settle that charged more than was reserved); `ts` is the ms time it was last refilled.
 *    A missing bucket is a full one; each write PEXPIREs it for the time it takes to refill to full.
 * - `<p>:{rl:<tag>}:block:<scope>`      string: ms time until which the scope is paused (vendor 429),
 *    with PX equal to the remaining pause.
 * - `<p>:{rl:<tag>}:res`                hash: reservation id → reservation JSON (see reservation.ts).
 * - `<p>:{rl:<tag>}:res-deadlines`      zset: reservation id → deadline ms (after which it is orphaned).
 * - `<p>:{rl}:tags`                     zset: tag → ms time it last had a reservation; the reaper's index.
 *    No TTL: the reaper removes a tag once its group is empty and idle for the retention time.
 */

/** A limited entity: `name` identifies its buckets, `tag` the hash-tag group it is reserved in. */
export interface RateScope {
  readonly tag: string;
  readonly name: string;
}

/** The two bucket kinds: requests per minute and tokens per minute. */
export const BUCKET_KINDS = ['rpm', 'tpm'] as const;
export type BucketKind = (typeof BUCKET_KINDS)[number];

// Braces would end or start a hash tag early and put keys of one reservation in different slots.
const SAFE_PART = /^[^{}\s]+$/;

function checkPart(what: string, value: string): string {
  if (!SAFE_PART.test(value)) throw new RangeError(`${what} must be non-empty, without spaces or braces: ${JSON.stringify(value)}`);
  return value;
}

/** The scope of one provider deployment (its own tag group). Throws RangeError on an unsafe name. */
export function deploymentScope(deployment: string): RateScope {
  const name = `dep:${checkPart('deployment', deployment)}`;
  return { tag: name, name };
}

/** The scope of a whole team (tag group `team:<team>`). Throws RangeError on an unsafe id. */
export function teamScope(team: string): RateScope {
  const name = `team:${checkPart('team', team)}`;
  return { tag: name, name };
}

/** The scope of one virtual key; it lives in its team's tag group so key and team reserve together. */
export function keyScope(team: string, keyId: string): RateScope {
  return { tag: teamScope(team).tag, name: `key:${checkPart('key id', keyId)}` };
}

/** Builds every rate-limit key under one prefix (see the contract above). */
export class RateLimitKeys {
  constructor(readonly prefix: string) {}

  private group(tag: string): string {
    return `${this.prefix}:{rl:${tag}}`;
  }

  bucket(scope: RateScope, kind: BucketKind): string {
    return `${this.group(scope.tag)}:b:${scope.name}:${kind}`;
  }

  block(scope: RateScope): string {
    return `${this.group(scope.tag)}:block:${scope.name}`;
  }

  reservations(tag: string): string {
    return `${this.group(tag)}:res`;
  }

  reservationDeadlines(tag: string): string {
    return `${this.group(tag)}:res-deadlines`;
  }

  /** The reaper's index of tags that had reservations; alone in its own slot. */
  tagRegistry(): string {
    return `${this.prefix}:{rl}:tags`;
  }
}
