import { z } from 'zod';
import { tracingConfigSchema } from '../tracing/tracing-config.js';
import { PROVIDERS, providerNeedsApiKey } from '../providers/provider-names.js';
import { defaultMaxTokensSchema } from '../providers/default-max-tokens.js';
import { cacheConfigSchema } from '../cache/cache-config.js';
import { pricingConfigSchema } from '../usage/price-table.js';
import { keysConfigSchema } from '../keys/keys-config.js';
import { batchConfigSchema } from '../batches/batch-config.js';
import { redisConfigSchema } from '../redis/redis-config.js';

/**
 * The configuration contract (`switchyard.yaml`). Every default and its meaning live here and
 * nowhere else; `switchyard.example.yaml` documents the same fields for operators.
 */

const deploymentName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lower-case letters, digits, - and _');

export const deploymentSchema = z
  .object({
    provider: z.enum(PROVIDERS),
    /** The vendor credential; only worker processes use it. Never logged. */
    apiKey: z.string().optional(),
    /** Passed to the vendor SDK as it is. */
    baseURL: z.string().url().optional(),
    /** Jobs this deployment runs at once in each worker process. */
    concurrency: z.number().int().min(1).max(1024).default(16),
    /** Requests per minute across all workers (token bucket); unset = unlimited. */
    rpm: z.number().int().positive().optional(),
    /** Tokens per minute across all workers (token bucket); unset = unlimited. */
    tpm: z.number().int().positive().optional(),
    /** Whole-call timeout for a non-streaming call. Streams: bound on the time to the first answer chunk (role-only chunks and keep-alives do not count), then on any silence between vendor events. */
    timeoutMs: z.number().int().positive().default(120_000),
    /** Attempts on this deployment for retryable failures before failing over (1 = no retry). */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** Output tokens to request when the client sets none and the vendor requires a value (Anthropic). */
    defaultMaxTokens: defaultMaxTokensSchema,
    /** Context window in tokens; a request whose estimate exceeds it skips this target. Unset: unknown. */
    contextTokens: z.number().int().positive().optional(),
    circuitBreaker: z
      .object({
        /** Failure rate (server errors, overloads, timeouts, connection failures) that opens the circuit. */
        failureRate: z.number().gt(0).max(1).default(0.5),
        /** Calls in the window before the rate counts. */
        minRequests: z.number().int().min(1).default(20),
        windowMs: z.number().int().positive().default(30_000),
        /** How long the circuit stays open before one probe call may go. */
        cooldownMs: z.number().int().positive().default(15_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type DeploymentConfig = z.infer<typeof deploymentSchema>;

export const targetSchema = z.object({ deployment: deploymentName, model: z.string().min(1) }).strict();
export type RouteTarget = z.infer<typeof targetSchema>;

export const configSchema = z
  .object({
    server: z
      .object({
        port: z.number().int().min(0).max(65535).default(8080),
        host: z.string().default('0.0.0.0'),
        /** Largest accepted request body, bytes. */
        bodyLimitBytes: z.number().int().positive().default(4 * 1024 * 1024),
        /** Bearer key for /admin routes; a random one is generated (and printed) when unset. */
        adminKey: z.string().min(16).optional(),
        /** How long a synchronous /v1/chat/completions call waits for its job. */
        syncTimeoutMs: z.number().int().positive().default(600_000),
        /** Upper bound for `GET /v1/jobs/{id}?wait=N`. */
        maxWaitSeconds: z.number().int().positive().default(60),
        /** On SIGTERM, how long in-flight requests and vendor calls may take before they are cut (and re-queued). */
        shutdownGraceMs: z.number().int().min(0).default(10_000),
        /** pino log level. */
        logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .strict()
      .prefault({}),
    /** One of url (standalone), cluster or sentinel: see shared/redis/redis-config.ts. */
    redis: redisConfigSchema.prefault({}),
    deployments: z.record(deploymentName, deploymentSchema),
    /** Model alias → ordered route of targets; the first is primary, the rest are fallbacks. */
    models: z.record(z.string().min(1), z.array(targetSchema).min(1)),
    jobs: z
      .object({
        /** How long finished job records (and their results) are kept. */
        resultTtlSeconds: z.number().int().positive().default(7 * 24 * 3600),
        /** How long an Idempotency-Key maps to its job. */
        idempotencyTtlSeconds: z.number().int().positive().default(24 * 3600),
      })
      .strict()
      .prefault({}),
    workers: z
      .object({
        /** BullMQ lock duration: a worker that stops renewing for this long loses its job. */
        lockDurationMs: z.number().int().positive().default(30_000),
        /** How often BullMQ looks for stalled jobs (those of dead workers). */
        stalledIntervalMs: z.number().int().positive().default(30_000),
        /** Times a job may stall (its worker died) before it is failed; keep > 1: a kill is not the job's fault. */
        maxStalledCount: z.number().int().min(1).default(3),
        /** Base delay of the jittered exponential backoff between attempts on one deployment. */
        retryBaseDelayMs: z.number().int().positive().default(500),
        retryMaxDelayMs: z.number().int().positive().default(30_000),
        /** Port on which a worker-only process serves its own /metrics (0: off; the API serves the `all` role's). */
        metricsPort: z.number().int().min(0).max(65535).default(0),
      })
      .strict()
      .prefault({}),
    /** Vendor model prices (USD per 1M tokens), overriding or extending shared/usage/price-table.ts. */
    pricing: pricingConfigSchema,
    /** The OpenAI-style Batch API and its file storage: see shared/batches/batch-config.ts. */
    batches: batchConfigSchema.prefault({}),
    /** The response cache (exact and semantic tiers): see shared/cache/cache-config.ts. */
    cache: cacheConfigSchema.prefault({}),
    /** Virtual key and signing secret rotation: see shared/keys/keys-config.ts. */
    keys: keysConfigSchema.prefault({}),
    /** Optional OpenTelemetry spans (see shared/tracing/tracing-config.ts). */
    tracing: tracingConfigSchema.prefault({}),
    webhooks: z
      .object({
        /** Let webhooks target loopback, private and link-local addresses (tests, on-prem). */
        allowPrivate: z.boolean().default(false),
        /** Delivery attempts before a delivery is kept as dead. */
        attempts: z.number().int().min(1).default(8),
        /** First retry delay; doubles each attempt (8 attempts over 30 s base ≈ 64 minutes). */
        backoffMs: z.number().int().positive().default(30_000),
        timeoutMs: z.number().int().positive().default(10_000),
        concurrency: z.number().int().positive().default(16),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const problem of crossFieldProblems(config)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });

/**
 * Checks that span fields (routes naming configured deployments, keys for vendors that need one).
 * Exported so the loader can report these together with field errors: zod skips refinements
 * once a field has failed, and operators should see every problem at once.
 */
export function crossFieldProblems(raw: unknown): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const config = (raw ?? {}) as { deployments?: Record<string, { provider?: unknown; apiKey?: unknown }>; models?: Record<string, unknown> };
  const deployments = config.deployments && typeof config.deployments === 'object' ? config.deployments : {};
  for (const [alias, route] of Object.entries(config.models ?? {})) {
    if (!Array.isArray(route)) continue;
    route.forEach((target: { deployment?: unknown }, i) => {
      if (typeof target?.deployment === 'string' && !deployments[target.deployment]) {
        problems.push({ path: ['models', alias, i, 'deployment'], message: `unknown deployment '${target.deployment}'` });
      }
    });
  }
  for (const [name, deployment] of Object.entries(deployments)) {
    const needsKey = providerNeedsApiKey(deployment?.provider);
    if (needsKey && !deployment.apiKey) problems.push({ path: ['deployments', name, 'apiKey'], message: `required for provider ${String(deployment.provider)}` });
  }
  return problems;
}

export type SwitchyardConfig = z.infer<typeof configSchema>;
/** The YAML as written, before defaults. */
export type SwitchyardConfigInput = z.input<typeof configSchema>;
