import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { SemanticCache } from '../../shared/cache/semantic-cache.js';
import type { RouteTarget } from '../../shared/config/config-schema.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { toPublicJob, type JobRecord } from '../../shared/jobs/job-record.js';
import type { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';
import type { UsageAccountant } from '../../shared/usage/usage-accountant.js';
import type { Admission } from '../admission.js';
import type { CacheControls } from '../cache-controls.js';
import { requestFingerprint } from '../idempotency-claims.js';
import type { JobSubmitter, SubmitInput } from '../job-submitter.js';
import { countChatRequest } from '../middleware/chat-request-outcome.js';
import { lookupCache } from './cache-lookup.js';
import { submitOrRelease } from './chat-completions.js';

export interface AsyncSubmitDeps {
  submitter: JobSubmitter;
  admission: Admission;
  cache: SemanticCache | null;
  logger: Logger;
  accountant: UsageAccountant;
  metrics: GatewayMetrics;
}

/**
 * Creates an async job — `POST /v1/jobs`, or a chat completion with `Prefer: respond-async` — and
 * answers 202 with it. A cache hit is born answered; otherwise admission reserves, then the job is
 * queued. Under an `Idempotency-Key` header this runs at most once per (virtual key, header value):
 * a resubmit of the same body gets the first job back (`x-switchyard-idempotent-replay: true`)
 * without a second admission or vendor call; see IdempotencyClaims for the 409/422 cases.
 */
export async function submitAsync(deps: AsyncSubmitDeps, req: Request, res: Response, input: SubmitInput, route: RouteTarget[], caching: CacheControls): Promise<void> {
  const { key, request } = input;
  const create = async (id: string, confirmClaim?: () => Promise<void>): Promise<JobRecord> => {
    const claimed: SubmitInput = { ...input, confirmClaim };
    const hit = await lookupCache(deps.cache, res, caching, key, request, deps.logger, deps.accountant, deps.metrics);
    if (hit.response) {
      countChatRequest(deps.metrics, res, request.model, key.team, 'cache_hit');
      return deps.submitter.submitAnswered(claimed, id, hit.response);
    }
    claimed.admission = await deps.admission.admit(key, request, route, res);
    return submitOrRelease(deps, claimed, id, route);
  };
  const idempotencyKey = idempotencyKeyHeader(req);
  // Validation is done: a bad request never claims a key. The fingerprint covers the whole body.
  const { record, replay } = idempotencyKey === undefined
    ? { record: await create(deps.submitter.newJobId()), replay: false }
    : await deps.submitter.idempotent(key.id, idempotencyKey, requestFingerprint(req.body), create);
  if (replay) res.setHeader('x-switchyard-idempotent-replay', 'true');
  res.status(202).location(`/v1/jobs/${record.id}`).json(toPublicJob(record));
}

function idempotencyKeyHeader(req: Request): string | undefined {
  const value = req.header('idempotency-key');
  if (value !== undefined && (value.length === 0 || value.length > 255)) {
    throw new GatewayError('invalid_request', 'Idempotency-Key must be 1 to 255 characters.', { param: 'Idempotency-Key' });
  }
  return value;
}
