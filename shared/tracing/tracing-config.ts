import { z } from 'zod';

/**
 * The `tracing:` section. Off by default. When on, Switchyard opens OpenTelemetry spans through
 * `@opentelemetry/api` only: they go wherever the operator's own OpenTelemetry SDK sends them (load
 * it before Switchyard, e.g. `node --import ./otel-setup.mjs`), and cost nothing without one.
 */
export const tracingConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** The tracer (instrumentation scope) name spans are created under. */
    tracerName: z.string().min(1).default('switchyard'),
  })
  .strict();
export type TracingConfig = z.infer<typeof tracingConfigSchema>;
