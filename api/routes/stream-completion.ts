import type { Response } from 'express';
import type { RouteTarget } from '../../shared/config/config-schema.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import type { JobStore } from '../../shared/jobs/job-store.js';
import { toPublicJob } from '../../shared/jobs/job-record.js';
import type { JobCancellation } from '../job-cancellation.js';
import type { JobSubmitter, SubmitInput } from '../job-submitter.js';
import type { JobWaiters } from '../job-waiters.js';
import type { StreamRelay } from '../stream-relay.js';
import { setJobHeaders } from './job-headers.js';
import { submitOrRelease } from './chat-completions.js';
import type { Admission } from '../admission.js';

/**
 * Bytes a client may fall behind (unsent SSE data buffered for it) before the stream is cut with an
 * error event and the job cancelled. Vendors produce tokens far slower than any live client reads.
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

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
 * a failure ends the stream with an OpenAI-shaped error event and no `[DONE]`.
 */
export async function streamCompletion(deps: StreamDeps, res: Response, input: SubmitInput, id: string, route: RouteTarget[]): Promise<void> {
  const request = input.request;
  const waiter = deps.waiters.register(id, deps.syncTimeoutMs);
  let cut: GatewayError | null = null;
  const cancel = (reason: string): void => {
    waiter.cancel();
    deps.relay.unregister(id);
    void deps.cancellation.cancel(id, reason).catch(() => undefined);
  };
  const onClose = (): void => {
    if (!res.writableFinished) cancel('The client closed the connection');
  };
  res.on('close', onClose);

  deps.relay.register(id, (chunkJson) => {
    if (!res.headersSent) openStream(res, id);
    res.write(`data: ${chunkJson}\n\n`);
    if (res.writableLength > MAX_BUFFERED_BYTES && !cut) {
      cut = new GatewayError('server_error', `The client fell more than ${MAX_BUFFERED_BYTES} bytes behind the stream; it was cut.`);
      cancel('The client could not keep up with the stream');
      writeError(res, cut);
    }
  });
  try {
    await submitOrRelease(deps, input, id, route);
  } catch (err) {
    deps.relay.unregister(id);
    waiter.cancel();
    throw err;
  }

  const event = await waiter.promise;
  deps.relay.unregister(id);
  res.off('close', onClose);
  if (res.destroyed || cut) return;
  if (!event) {
    await deps.cancellation.cancel(id, 'The request timed out');
    const timeout = new GatewayError('timeout', `No result within ${deps.syncTimeoutMs} ms; the job was cancelled.`);
    if (!res.headersSent) throw timeout;
    return writeError(res, timeout);
  }
  const job = event.job ?? toPublicJob((await deps.store.get(id))!);
  if (job.status !== 'succeeded' || !job.result) {
    const error = GatewayError.fromData(job.error ?? { code: 'internal', message: `The job ended as ${job.status}` });
    if (!res.headersSent) {
      setJobHeaders(res, job);
      throw error;
    }
    return writeError(res, error);
  }
  if (!res.headersSent) openStream(res, id);
  if (request.stream_options?.include_usage && job.result.usage) {
    const usageChunk = { id: job.result.id, object: 'chat.completion.chunk', created: job.result.created, model: job.result.model, choices: [], usage: job.result.usage };
    res.write(`data: ${JSON.stringify(usageChunk)}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

function openStream(res: Response, id: string): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-switchyard-job-id': id,
  });
  res.flushHeaders();
}

/** An OpenAI-shaped error event; the stream then ends without `[DONE]`, so no client mistakes it for success. */
function writeError(res: Response, error: GatewayError): void {
  res.end(`data: ${JSON.stringify(error.toBody())}\n\n`);
}
