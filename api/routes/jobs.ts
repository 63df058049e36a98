import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { isTerminal, PRIORITIES, toPublicJob, type JobRecord } from '../../shared/jobs/job-record.js';
import type { JobStore } from '../../shared/jobs/job-store.js';
import type { KeyRecord } from '../../shared/keys/key-store.js';
import { resolveWebhookTarget, parseWebhookUrl } from '../../shared/webhooks/webhook-target.js';
import type { JobCancellation } from '../job-cancellation.js';
import type { JobSubmitter, SubmitInput } from '../job-submitter.js';
import { cacheControls, cacheWrite } from '../cache-controls.js';
import type { SemanticCache } from '../../shared/cache/semantic-cache.js';
import type { Logger } from 'pino';
import type { UsageAccountant } from '../../shared/usage/usage-accountant.js';
import type { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';
import { countRejectedOnFinish } from '../middleware/chat-request-outcome.js';
import type { JobWaiters } from '../job-waiters.js';
import { requestKey } from '../middleware/virtual-key-auth.js';
import { zodToGatewayError } from '../zod-error.js';
import { requestControls } from '../request-controls.js';
import { parseChatRequest } from './chat-completions.js';
import type { Admission } from '../admission.js';
import { submitAsync } from './async-submit.js';

export interface JobRouteDeps {
  submitter: JobSubmitter;
  waiters: JobWaiters;
  store: JobStore;
  cancellation: JobCancellation;
  maxWaitSeconds: number;
  allowPrivateWebhooks: boolean;
  cache: SemanticCache | null;
  logger: Logger;
  accountant: UsageAccountant;
  metrics: GatewayMetrics;
  admission: Admission;
}

const submitSchema = z
  .object({
    request: z.unknown(),
    webhook: z.object({ url: z.string().min(1) }).strict().nullable().optional(),
    // OpenAI's metadata limits: 16 pairs, keys up to 64 and values up to 512 characters.
    metadata: z
      .record(z.string().max(64), z.string().max(512))
      .refine((m) => Object.keys(m).length <= 16, 'at most 16 pairs')
      .optional(),
    priority: z.enum(PRIORITIES).optional(),
    /** Relative deadline: the job fails with deadline_exceeded if not done within this many ms. */
    deadline_ms: z.number().int().positive().max(86_400_000).optional(),
  })
  .strict();

export const JOBS_PATH = '/v1/jobs';

/** The handler of `POST /v1/jobs` (also run by the hot lane, without the router). */
export function submitJobHandler(deps: JobRouteDeps): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    countRejectedOnFinish(deps.metrics, res);
    const key = requestKey(res);
    const parsed = submitSchema.safeParse(req.body);
    if (!parsed.success) throw zodToGatewayError(parsed.error);
    const body = parsed.data;
    if (body.request === undefined) throw new GatewayError('invalid_request', "Missing required parameter: 'request'.", { param: 'request' });
    const request = parseChatRequest(body.request, 'request');
    deps.admission.checkKey(key, request);
    if (request.stream) throw new GatewayError('invalid_request', 'Async jobs cannot stream; remove request.stream.', { param: 'request.stream' });
    const webhook = body.webhook ? await checkWebhook(body.webhook.url, deps.allowPrivateWebhooks) : null;
    const controls = requestControls(req);
    const caching = cacheControls(req);
    const route = deps.submitter.plan(request, controls.fallbacks);
    const deadlineMs = body.deadline_ms ?? controls.deadlineMs;

    const input: SubmitInput = {
      request,
      key,
      priority: body.priority ?? 'default',
      mode: 'async',
      metadata: body.metadata,
      webhook,
      deadlineAt: deadlineMs ? Date.now() + deadlineMs : 0,
      cache: cacheWrite(caching, deps.cache !== null),
      requestId: res.locals.requestId as string | undefined,
    };
    await submitAsync(deps, req, res, input, route, caching);
  };
}

/** `POST /v1/jobs`, `GET /v1/jobs/:id` (with `?wait=` long-poll) and `DELETE /v1/jobs/:id`. */
export function jobsRouter(deps: JobRouteDeps): Router {
  const router = Router();

  router.post(JOBS_PATH, submitJobHandler(deps));

  router.get('/v1/jobs/:id', async (req: Request, res: Response) => {
    const key = requestKey(res);
    const id = String(req.params.id);
    const waitSeconds = parseWait(req.query.wait, deps.maxWaitSeconds);
    if (waitSeconds === 0) {
      res.json(toPublicJob(await ownJob(deps.store, id, key)));
      return;
    }
    // Register before reading, so an end between the read and the wait is not missed.
    const waiter = deps.waiters.register(id, waitSeconds * 1000);
    res.on('close', waiter.cancel);
    const record = await ownJob(deps.store, id, key).catch((err: unknown) => {
      waiter.cancel();
      throw err;
    });
    if (isTerminal(record.status)) {
      waiter.cancel();
      res.json(toPublicJob(record));
      return;
    }
    const event = await waiter.promise;
    if (res.destroyed) return;
    res.json(event?.job ?? toPublicJob(await ownJob(deps.store, id, key)));
  });

  router.delete('/v1/jobs/:id', async (req: Request, res: Response) => {
    const key = requestKey(res);
    const id = String(req.params.id);
    const record = await ownJob(deps.store, id, key);
    if (isTerminal(record.status)) throw new GatewayError('conflict', `The job has already ended (${record.status}).`);
    const outcome = await deps.cancellation.cancel(id, 'Cancelled by the client');
    if (outcome === 'terminal') throw new GatewayError('conflict', 'The job ended before it could be cancelled.');
    res.json(toPublicJob((await deps.store.get(id)) ?? record));
  });

  return router;
}

/** A job of the key's own team; another team's job is indistinguishable from a missing one. */
async function ownJob(store: JobStore, id: string, key: KeyRecord): Promise<JobRecord> {
  const record = await store.get(id);
  if (!record || record.team !== key.team) throw new GatewayError('not_found', `No job found with id '${id}'.`, { param: 'id' });
  return record;
}

function parseWait(value: unknown, max: number): number {
  if (value === undefined) return 0;
  const seconds = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(seconds) || seconds < 0 || seconds > max) {
    throw new GatewayError('invalid_request', `'wait' must be a number of seconds from 0 to ${max}.`, { param: 'wait' });
  }
  return seconds;
}

async function checkWebhook(url: string, allowPrivate: boolean): Promise<{ url: string }> {
  try {
    parseWebhookUrl(url);
    await resolveWebhookTarget(url, { allowPrivate });
  } catch (err) {
    throw new GatewayError('invalid_request', `Invalid 'webhook.url': ${(err as Error).message}`, { param: 'webhook.url' });
  }
  return { url };
}
