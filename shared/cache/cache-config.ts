import { z } from 'zod';

/**
 * The `cache:` section of switchyard.yaml. Every default lives here, once; per-model-alias overrides
 * reuse the same field types without defaults, so an override only changes what it names.
 * Defaults were chosen by bench/cache (see bench/cache/RESULTS.md).
 */

export const VECTOR_STORE_KINDS = ['embedded', 'qdrant'] as const;
export type VectorStoreKind = (typeof VECTOR_STORE_KINDS)[number];

const ttlSeconds = z.number().int().positive();
const threshold = z.number().min(0).max(1);
const maxTurns = z.number().int().min(1);
const maxTemperature = z.number().min(0).max(2);

const exactSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** How long an exact-tier answer is served, seconds. */
    ttlSeconds: ttlSeconds.default(86_400),
  })
  .strict();

const semanticSchema = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * Minimum cosine similarity for a semantic candidate. The near-miss guard must also pass: the
     * threshold is a first filter, not the safety (USE-lite ranks some near-misses above every
     * paraphrase). 0.75 measured: 74 % of paraphrases served, 0 of 299 near-misses (RESULTS.md).
     */
    threshold: threshold.default(0.75),
    store: z.enum(VECTOR_STORE_KINDS).default('embedded'),
    /** How long a semantic-tier entry is served, seconds. */
    ttlSeconds: ttlSeconds.default(86_400),
    /** Conversations with more user/assistant/tool messages than this bypass the semantic tier. */
    maxTurns: maxTurns.default(3),
    /** Requests hotter than this are not served semantically; an absent temperature counts as 1. */
    maxTemperature: maxTemperature.default(1),
    /** Final prompts longer than this (characters) bypass the semantic tier: they rarely repeat. */
    maxPromptChars: z.number().int().positive().default(2_000),
    /** Nearest neighbours checked by the near-miss guard, best first. */
    candidates: z.number().int().min(1).max(32).default(4),
    /** Serve requests with n > 1 semantically (their cached answer has n choices). */
    allowMultipleChoices: z.boolean().default(false),
    /** Serve conversations containing tool calls or tool results semantically (matched exactly). */
    allowToolResults: z.boolean().default(false),
    /** Serve requests with images, audio or files semantically (those parts matched exactly). */
    allowNonText: z.boolean().default(false),
    /** The near-miss guard; turning it off is for measurement only (see bench/cache/eval-cache.ts). */
    guard: z.boolean().default(true),
  })
  .strict();

const embedderSchema = z.discriminatedUnion('kind', [
  /** Universal Sentence Encoder lite, weights shipped in npm; runs in a worker thread. */
  z.object({ kind: z.literal('use-lite') }).strict(),
  /**
   * A sentence encoder from a folder the operator supplies (a Hugging Face ONNX export: config.json,
   * tokenizer.json, onnx/model.onnx), run locally by @huggingface/transformers; never downloads.
   * Choose `semantic.threshold` for it with bench/cache/eval-cache.ts: thresholds do not carry over
   * between models.
   */
  z
    .object({
      kind: z.literal('transformers'),
      path: z.string().min(1),
      pooling: z.enum(['mean', 'cls']).default('mean'),
      threads: z.number().int().min(1).max(64).default(1),
      maxBatch: z.number().int().min(1).max(256).default(16),
    })
    .strict(),
  /** A vendor embeddings API through the OpenAI SDK, using a configured deployment's credentials. */
  z
    .object({
      kind: z.literal('openai'),
      deployment: z.string().min(1),
      model: z.string().min(1).default('text-embedding-3-small'),
      dimensions: z.number().int().positive().optional(),
    })
    .strict(),
]);

const overrideSchema = z
  .object({
    exact: z.object({ enabled: z.boolean().optional(), ttlSeconds: ttlSeconds.optional() }).strict().optional(),
    semantic: z
      .object({
        enabled: z.boolean().optional(),
        threshold: threshold.optional(),
        ttlSeconds: ttlSeconds.optional(),
        maxTurns: maxTurns.optional(),
        maxTemperature: maxTemperature.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const cacheConfigSchema = z
  .object({
    exact: exactSchema.prefault({}),
    semantic: semanticSchema.prefault({}),
    embedder: embedderSchema.prefault({ kind: 'use-lite' }),
    qdrant: z.object({ url: z.string().url().optional(), apiKey: z.string().optional() }).strict().prefault({}),
    /** Namespaces whose entries several teams share; a team may only use a namespace listing it. */
    sharedNamespaces: z.record(z.string().min(1), z.object({ teams: z.array(z.string().min(1)).min(1) }).strict()).default({}),
    /** Per model alias overrides of exact/semantic settings. */
    models: z.record(z.string().min(1), overrideSchema).default({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.semantic.store === 'qdrant' && config.qdrant.url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['qdrant', 'url'], message: 'required when semantic.store is qdrant' });
    }
  });

export type CacheConfig = z.infer<typeof cacheConfigSchema>;
export type ExactTierConfig = CacheConfig['exact'];
export type SemanticTierConfig = CacheConfig['semantic'];

/** The settings in force for one model alias: the base config with that alias's overrides applied. */
export function settingsForAlias(
  config: CacheConfig,
  modelAlias: string,
): { exact: ExactTierConfig; semantic: SemanticTierConfig } {
  const override = config.models[modelAlias];
  return {
    exact: { ...config.exact, ...withoutUndefined(override?.exact) },
    semantic: { ...config.semantic, ...withoutUndefined(override?.semantic) },
  };
}

function withoutUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
