import type { ChatCompletion } from '../../shared/canonical/chat-response.js';
import { ChunkAccumulator } from '../../shared/canonical/chunk-accumulator.js';
import type { DeploymentConfig, RouteTarget } from '../../shared/config/config-schema.js';
import { toGatewayError, type GatewayError } from '../../shared/errors/gateway-error.js';
import type { JobRecord } from '../../shared/jobs/job-record.js';
import type { ProviderRuntime } from '../providers/provider-runtime.js';
import type { ChunkPublisher } from './chunk-publisher.js';

/** A stream that failed after its first chunk reached the client: it must not be retried or failed over. */
export class StreamInterrupted extends Error {
  constructor(
    readonly error: GatewayError,
    readonly partial: ChatCompletion,
  ) {
    super(error.message);
    this.name = 'StreamInterrupted';
  }
}

/**
 * One vendor call for a job: a plain completion, or for stream jobs a stream relayed chunk by chunk
 * and folded into the completion it amounts to. Throws the classified GatewayError, or
 * StreamInterrupted once the client has seen chunks.
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
  try {
    const usage = await runtime.stream(record.request, target.model, context, options, async (chunk) => {
      accumulator.push(chunk);
      await chunks.publish(record, chunk, accumulator.count === 1);
    });
    accumulator.setUsage(usage);
    return accumulator.result(context.id, context.created);
  } catch (err) {
    if (accumulator.count === 0) throw err;
    throw new StreamInterrupted(toGatewayError(err), accumulator.result(context.id, context.created));
  }
}
