import { SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { TracingConfig } from './tracing-config.js';

/**
 * Runs `fn` inside a span when tracing is enabled, else just runs it. Attributes name the job,
 * team, model and deployment — never prompt text or a key. A thrown error marks the span as failed
 * with the error's message and is rethrown unchanged.
 */
export type Traced = <T>(name: string, attributes: Attributes, fn: () => Promise<T>) => Promise<T>;

export function createTraced(config: TracingConfig): Traced {
  if (!config.enabled) return (_name, _attributes, fn) => fn();
  const tracer = trace.getTracer(config.tracerName);
  return (name, attributes, fn) =>
    tracer.startActiveSpan(name, { attributes }, async (span) => {
      try {
        return await fn();
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        span.end();
      }
    });
}
