import { Router, type Request, type Response } from 'express';
import { chatRequestSchema, type ChatRequest } from '../../shared/canonical/chat-request.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { toPublicJob, type JobRecord, type PublicJob } from '../../shared/jobs/job-record.js';
import type { JobStore } from '../../shared/jobs/job-store.js';
import type { JobSubmitter, SubmitInput } from '../job-submitter.js';
import type { Admission } from '../admission.js';
import type { RouteTarget } from '../../shared/config/config-schema.js';
import type { JobWaiters } from '../job-waiters.js';
import { requestKey } from '../middleware/virtual-key-auth.js';
import { zodToGatewayError } from '../zod-error.js';
import { requestControls } from '../request-controls.js';
import type { JobCancellation } from '../job-cancellation.js';
import { setJobHeaders } from './job-headers.js';
import { cacheControls, cacheWrite } from '../cache-controls.js';
import { lookupCache, sendCachedCompletion } from './cache-lookup.js';
import { submitAsync } from './async-submit.js';
import type { SemanticCache } from '../../shared/cache/semantic-cache.js';
import type { Logger } from 'pino';
import type { UsageAccountant } from '../../shared/usage/usage-accountant.js';
import type { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';
import { DEADLINE_GRACE_MS, streamCompletion, type StreamDeps } from './stream-completion.js';
import { countChatRequest, countRejectedOnFinish } from '../middleware/chat-request-outcome.js';
import { gatewayOverheadSeconds } from '../../shared/metrics/gateway-overhead.js';

export interface ChatRouteDeps extends StreamDeps {
  submitter: JobSubmitter;
  waiters: JobWaiters;
  store: JobStore;
  cancellation: JobCancellation;
  syncTimeoutMs: number;
  cache: SemanticCache | null;
  logger: Logger;
  accountant: UsageAccountant;
  metrics: GatewayMetrics;
  admission: Admission;
}

/** Parses a chat completion body; a 400 names the first bad field. */
export function parseChatRequest(body: unknown, root = ''): ChatRequest {
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) throw zodToGatewayError(parsed.error, root);
  return parsed.data;
}

/**
 * `POST /v1/chat/completions`: drop-in for OpenAI. Internally a job at interactive priority whose
 * result the handler awaits; `Prefer: respond-async` makes it an async submit (202 + Location).
 * A client that disconnects cancels its job.
 */
export function chatCompletionsRouter(deps: ChatRouteDeps): Router {
  return Router().post(CHAT_COMPLETIONS_PATH, chatCompletionHandler(deps));
}

export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

/** The handler of `POST /v1/chat/completions` (also run by the hot lane, without the router). */
export function chatCompletionHandler(deps: ChatRouteDeps): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const key = requestKey(res);
    const startedMs = performance.now();
    countRejectedOnFinish(deps.metrics, res);
    const request = parseChatRequest(req.body);
    const controls = requestControls(req);
    const caching = cacheControls(req);
    const respondAsync = /\brespond-async\b/i.test(req.header('prefer') ?? '');
    if (request.stream && respondAsync) {
      throw new GatewayError('invalid_request', 'Async jobs cannot stream; remove stream or the Prefer: respond-async header.', { param: 'stream' });
    }
    deps.admission.checkKey(key, request);
    const route = deps.submitter.plan(request, controls.fallbacks);
    const cache = cacheWrite(caching, deps.cache !== null);
    if (respondAsync) {
      const deadlineAt = controls.deadlineMs === undefined ? 0 : Date.now() + controls.deadlineMs;
      return submitAsync(deps, req, res, { request, key, priority: 'default', mode: 'async', deadlineAt, cache, requestId: res.locals.requestId as string | undefined }, route, caching);
    }
    const id = deps.submitter.newJobId();
    const hit = await lookupCache(deps.cache, res, caching, key, request, deps.logger, deps.accountant, deps.metrics);
    if (hit.response) {
      countChatRequest(deps.metrics, res, request.model, key.team, 'cache_hit');
      return sendCachedCompletion(res, hit.response, request);
    }
    const admission = await deps.admission.admit(key, request, route, res);

    // A synchronous call's deadline is its own timeout unless the client sets a shorter one.
    const deadlineAt = Date.now() + Math.min(controls.deadlineMs ?? deps.syncTimeoutMs, deps.syncTimeoutMs);
    if (request.stream) {
      return streamCompletion(deps, res, { request, key, priority: 'interactive', mode: 'stream', replyTo: deps.relay.channel, deadlineAt, cache, admission, requestId: res.locals.requestId as string | undefined }, id, route);
    }

    // Wait first, then enqueue: the waiter is in place before the job can possibly end. It waits for
    // the job's own deadline (the client's, or the sync default), plus a short grace in which the
    // worker's own verdict (an answer just in time, or `deadline_exceeded`) is the one recorded.
    const waitMs = Math.max(1, deadlineAt - Date.now()) + DEADLINE_GRACE_MS;
    const waiter = deps.waiters.register(id, waitMs);
    const onClose = (): void => {
      if (res.writableFinished) return;
      waiter.cancel();
      void deps.cancellation.cancel(id, 'The client closed the connection').catch(() => undefined);
    };
    res.on('close', onClose);
    try {
      await submitOrRelease(deps, { request, key, priority: 'interactive', mode: 'sync', deadlineAt, cache, admission, requestId: res.locals.requestId as string | undefined }, id, route);
    } catch (err) {
      waiter.cancel();
      throw err;
    }
    const event = await waiter.promise;
    if (res.destroyed) return;
    if (!event) {
      // No worker answered by the deadline (the job is still queued, or its worker is gone).
      await deps.cancellation.cancel(id, 'The job did not complete before its deadline');
      throw new GatewayError('deadline_exceeded', `No result within the deadline of ${Math.min(controls.deadlineMs ?? deps.syncTimeoutMs, deps.syncTimeoutMs)} ms; the job was cancelled.`);
    }
    const job = event.job ?? (await readJob(deps.store, id));
    res.off('close', onClose);
    deps.metrics.gatewayOverhead.observe({ mode: 'sync' }, gatewayOverheadSeconds(performance.now() - startedMs, job));
    sendResult(res, job);
  };
}

/** Submits a job; if it cannot be queued, gives back what admission reserved for it. */
export async function submitOrRelease(deps: { submitter: JobSubmitter; admission: Admission }, input: SubmitInput, id: string, route: RouteTarget[]): Promise<JobRecord> {
  try {
    return await deps.submitter.submit(input, id, route);
  } catch (err) {
    await deps.admission.release(input.admission ?? {});
    throw err;
  }
}

async function readJob(store: JobStore, id: string): Promise<PublicJob> {
  const record = await store.get(id);
  if (!record) throw new GatewayError('internal', 'The job record disappeared');
  return toPublicJob(record);
}

/** Writes a finished job as an OpenAI response: the completion, or the error with its status. */
function sendResult(res: Response, job: PublicJob): void {
  setJobHeaders(res, job);
  if (job.status === 'succeeded' && job.result) {
    res.status(200).json(job.result);
    return;
  }
  const error = job.error ?? { message: `The job ended as ${job.status}`, type: 'server_error' as const, param: null, code: 'internal' as const };
  throw GatewayError.fromData({ code: error.code, message: error.message, param: error.param });
}
