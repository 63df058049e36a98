/** Rate limiting: shared RPM/TPM token buckets in Redis, and the token estimates they reserve. */
export { BUCKET_KINDS, RateLimitKeys, deploymentScope, keyScope, teamScope, type BucketKind, type RateScope } from './bucket-keys.js';
export { TokenBuckets, type TokenBucketsOptions } from './token-buckets.js';
export {
  reservationSchema,
  type PeekResult,
  type Remaining,
  type ReserveAmount,
  type ReserveResult,
  type Reservation,
  type ScopeLimits,
} from './reservation.js';
export { estimatePromptTokens, estimateRequestTokens, type EstimableChatRequest, type EstimableContentPart, type EstimableMessage } from './token-estimator.js';
export { countTextTokens, preloadTokenizer } from './text-tokens.js';
export type { RedisLike } from './lua-script.js';
