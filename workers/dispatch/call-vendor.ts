import { carriesAnswer } from '../../shared/canonical/answer-chunk.js';
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../../shared/canonical/chat-response.js';
import { ChunkAccumulator } from '../../shared/canonical/chunk-accumulator.js';
import type { DeploymentConfig, RouteTarget } from '../../shared/config/config-schema.js';
import { toGatewayError, type GatewayError } from '../../shared/errors/gateway-error.js';
import type { JobRecord } from '../../shared/jobs/job-record.js';
import type { ProviderRuntime } from '../providers/provider-runtime.js';
import type { ChunkPublisher } from './chunk-publisher.js';
import { partialUsage } from './partial-usage.js';

/** A stream that failed after its first chunk reached the client: it must not be retried or failed over. */
export class StreamInterrupted extends Error {
  constructor(
    readonly error: GatewayError,
    /** What the client was sent, with the usage charged for it (see `partialUsage`). */
    readonly partial: ChatCompletion,
    /** True when that usage is (partly) our estimate: the vendor had not reported it all. */
    readonly usageEstimated: boolean,
  ) {
    super(error.message);
    this.name = 'StreamInterrupted';
  }
}

/**
 * One vendor call for a job: a plain completion, or for stream jobs a stream relayed chunk by chunk
 * and folded into the completion it amounts to. Chunks that carry no answer yet (the role chunk every
 * vendor starts with) are held back until the first one that does: until then nothing has reached
 * the client, so a failure is an ordinary one that may be retried or failed over. Throws the
 * classified GatewayError, or StreamInterrupted once the client has seen chunks.
 */
export async function callVendor(
  record: JobRecord,
  target: RouteTarget,
  runtime: ProviderRuntime,
  deployment: DeploymentConfig,
  signal: AbortSignal,
  chunks: ChunkPublisher,
): Promise<ChatCompletion> {
  const context = { id: `chatcmpl-${record.id}`, created: record.createdAt };
  const options = { signal, timeoutMs: deployment.timeoutMs };
  if (record.mode !== 'stream') return runtime.complete(record.request, target.model, context, options);

  const accumulator = new ChunkAccumulator();
  let held: ChatCompletionChunk[] = [];
  let sent = 0;
  let reported: Usage | undefined;
  const send = async (batch: ChatCompletionChunk[]): Promise<void> => {
    const first = sent === 0;
    // Counted before the await: if the publish fails half-way, the client may have seen it.
    sent += batch.length;
    await chunks.publish(record, batch, first, sent - batch.length + 1);
  };
  try {
    const usage = await runtime.stream(record.request, target.model, context, { ...options, onPartialUsage: (u) => (reported = u) }, async (chunk) => {
      accumulator.push(chunk);
      if (sent === 0 && !carriesAnswer(chunk)) {
        held.push(chunk);
        return;
      }
      const batch = sent === 0 ? [...held, chunk] : [chunk];
      held = [];
      await send(batch);
    });
    // A stream that ended properly without any answer chunk still owes the client its start.
    if (held.length > 0) await send(held);
    await chunks.end(record, sent);
    accumulator.setUsage(usage);
    return accumulator.result(context.id, context.created);
  } catch (err) {
    if (sent === 0) throw err;
    const partial = accumulator.result(context.id, context.created);
    const charged = partialUsage(record.request, partial, reported ?? partial.usage);
    throw new StreamInterrupted(toGatewayError(err), { ...partial, usage: charged.usage }, charged.estimated);
  }
}
