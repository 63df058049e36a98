import { z } from 'zod';
import { BUCKET_KINDS, type RateScope } from './bucket-keys.js';

/** Limits of one scope, per minute; an absent (or null) limit means that dimension is unlimited. */
export interface ScopeLimits {
  readonly scope: RateScope;
  readonly rpm?: number | null;
  readonly tpm?: number | null;
}

/** What one reservation takes: requests from every RPM bucket, tokens from every TPM bucket. */
export interface ReserveAmount {
  readonly requests: number;
  readonly tokens: number;
}

/**
 * A granted reservation. Plain JSON: it may be stored in job data and settled by another process.
 * Contract (also the value stored in the `res` hash, see bucket-keys.ts): `buckets[i].key` is a bucket
 * hash in the `{rl:<tag>}` group, `limit` the per-minute capacity in force when it was reserved.
 */
export const reservationSchema = z.object({
  id: z.string().min(1),
  tag: z.string().min(1),
  requests: z.number().nonnegative(),
  tokens: z.number().nonnegative(),
  buckets: z.array(z.object({ key: z.string().min(1), kind: z.enum(BUCKET_KINDS), limit: z.number().positive() })),
});
export type Reservation = z.infer<typeof reservationSchema>;

/**
 * The smallest level left across the buckets of each kind, floored (negative = debt); null when no
 * bucket of that kind took part. Feeds `x-ratelimit-remaining-requests` / `-tokens`.
 */
export interface Remaining {
  readonly requests: number | null;
  readonly tokens: number | null;
}

/** Outcome of `TokenBuckets.reserve`. */
export type ReserveResult =
  | { readonly ok: true; readonly reservationId: string; readonly reservation: Reservation; readonly remaining: Remaining }
  | {
      readonly ok: false;
      /** Ms until every bucket holds enough and no scope is paused (assuming nobody else reserves). */
      readonly retryAfterMs: number;
      /** The part of the wait due to a pause (`block`); 0 when the buckets alone are short. */
      readonly pausedMs: number;
      readonly remaining: Remaining;
    };

/** Outcome of `TokenBuckets.peek`: the wait a reservation would face now, without taking anything. */
export interface PeekResult {
  readonly retryAfterMs: number;
  readonly pausedMs: number;
  readonly remaining: Remaining;
}
