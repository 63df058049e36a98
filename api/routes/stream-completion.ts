import type { Response } from 'express';
import type { RouteTarget } from '../../shared/config/config-schema.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import type { JobStore } from '../../shared/jobs/job-store.js';
import { toPublicJob } from '../../shared/jobs/job-record.js';
import type { JobCancellation } from '../job-cancellation.js';
import type { JobSubmitter, SubmitInput } from '../job-submitter.js';
import type { JobWaiters } from '../job-waiters.js';
import type { StreamRelay } from '../stream-relay.js';
import { ChunkSequence } from '../chunk-sequence.js';
import { SseStream } from '../sse-stream.js';
import { completionToChunks } from '../../shared/canonical/completion-to-chunks.js';
import { setJobHeaders } from './job-headers.js';
import { submitOrRelease } from './chat-completions.js';
import type { Admission } from '../admission.js';

export { MAX_BUFFERED_BYTES } from '../sse-stream.js';

export interface StreamDeps {
  submitter: JobSubmitter;
  admission: Admission;
  waiters: JobWaiters;
  relay: StreamRelay;
  store: JobStore;
  cancellation: JobCancellation;
  syncTimeoutMs: number;
}

/**
 * Relays a streaming completion as SSE. Until the first chunk, nothing is sent: a failure there
 * (after the worker's retries and failovers) is an ordinary JSON error with its status. After it,
 * a failure ends the stream with an OpenAI-shaped error event and no `[DONE]` — so does a gap in the
 * relayed chunks (pub/sub lost some), which never ends as a clean `[DONE]` over a truncated answer.
 */
/**
 * How long past a synchronous call's deadline the API waits for the worker's verdict before it
 * cancels the job and answers `deadline_exceeded` itself. Workers cut vendor calls at the deadline
 * and fail the job within milliseconds; this only covers that hand-off.
 */
export const DEADLINE_GRACE_MS = 250;

export async function streamCompletion(deps: StreamDeps, res: Response, input: SubmitInput, id: string, route: RouteTarget[]): Promise<void> {
  const request = input.request;
  const sse = new SseStream(res, id);
  const sequence = new ChunkSequence(id);
  // Wait for the job's own deadline (the client's, or the sync default), then a short hand-off grace.
  const waitMs = input.deadlineAt && input.deadlineAt > 0 ? Math.max(1, input.deadlineAt - Date.now()) + DEADLINE_GRACE_MS : deps.syncTimeoutMs;
  const waiter = deps.waiters.register(id, waitMs);
  // Set when this request ends the stream itself (cut, gap): the job's end is then no longer awaited.
  let over = false;
  let stopWaiting!: () => void;
  const stopped = new Promise<null>((resolve) => (stopWaiting = () => resolve(null)));
  const stop = (): void => {
    over = true;
    waiter.cancel();
    deps.relay.unregister(id);
    stopWaiting();
  };
  const cancel = (reason: string): void => {
    stop();
    void deps.cancellation.cancel(id, reason).catch(() => undefined);
  };
  const onClose = (): void => {
    if (!over && !res.writableFinished) cancel('The client closed the connection');
  };
  res.on('close', onClose);

  // Set when chunks were lost before any reached the client: the stored answer is replayed at the end instead.
  let replay = false;
  deps.relay.register(id, (message) => {
    if (replay) return;
    const gap = message.kind === 'end' ? sequence.end(message.total) : sequence.accept(message.seq);
    if (gap && sequence.count === 0) {
      replay = true;
      return;
    }
    if (gap) {
      // The job goes on: its full answer stays readable at /v1/jobs/{id}, which the error names.
      stop();
      return sse.fail(gap);
    }
    if (message.kind === 'chunk' && !sse.chunk(message.json)) cancel('The client could not keep up with the stream');
  });
  try {
    await submitOrRelease(deps, input, id, route);
  } catch (err) {
    stop();
    throw err;
  }

  const event = await Promise.race([waiter.promise, stopped]);
  waiter.cancel();
  deps.relay.unregister(id);
  res.off('close', onClose);
  if (over || res.destroyed) return;
  if (!event) {
    await deps.cancellation.cancel(id, 'The request timed out');
    const timeout = input.deadlineAt && input.deadlineAt > 0
      ? new GatewayError('deadline_exceeded', `No result within the deadline of ${waitMs - DEADLINE_GRACE_MS} ms; the job was cancelled.`)
      : new GatewayError('timeout', `No result within ${deps.syncTimeoutMs} ms; the job was cancelled.`);
    if (!sse.opened) throw timeout;
    return sse.fail(timeout);
  }
  const job = event.job ?? toPublicJob((await deps.store.get(id))!);
  if (job.status !== 'succeeded' || !job.result) {
    const error = GatewayError.fromData(job.error ?? { code: 'internal', message: `The job ended as ${job.status}` });
    if (!sse.opened) {
      setJobHeaders(res, job);
      throw error;
    }
    return sse.fail(error);
  }
  const gap = sequence.verifyComplete();
  if (gap && !replay && sequence.count > 0) return sse.fail(gap);
  // Chunks were lost before any reached the client (the subscriber was away when the stream
  // started): the client has seen nothing, so the stored answer is replayed whole instead.
  if (gap || replay) for (const chunk of completionToChunks(job.result)) sse.chunk(JSON.stringify(chunk));
  const usage = request.stream_options?.include_usage && job.result.usage
    ? { id: job.result.id, object: 'chat.completion.chunk', created: job.result.created, model: job.result.model, choices: [], usage: job.result.usage }
    : undefined;
  sse.done(usage);
}
