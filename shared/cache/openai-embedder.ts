import type OpenAI from 'openai';
import { normalizeVector, type Embedder } from './embedder.js';
import { MicroBatcher } from './micro-batcher.js';

/** Native output sizes of OpenAI's embedding models (text-embedding-3-* can be shortened). */
const NATIVE_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/** Inputs per API call (the API accepts up to 2048). */
const MAX_BATCH = 256;

export interface OpenAIEmbedderOptions {
  /** An OpenAI SDK client (any OpenAI-compatible base URL); created by the entry point. */
  readonly client: OpenAI;
  /** Embedding model, e.g. `text-embedding-3-small`. */
  readonly model: string;
  /** Vector length; required for models not in the table above. Sent to the API when it shortens. */
  readonly dimensions?: number;
}

/**
 * An embedder on a vendor embeddings API through the official SDK. Concurrent calls are batched into
 * one request. Throws at construction when the dimensions are unknown; a call rejects when the API
 * fails or returns vectors of another length.
 */
export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): Embedder {
  const native = NATIVE_DIMENSIONS[options.model];
  const dimensions = options.dimensions ?? native;
  if (dimensions === undefined) throw new Error(`dimensions are required for embedding model ${options.model}`);
  const shorten = options.dimensions !== undefined && options.dimensions !== native;

  const batcher = new MicroBatcher<string, Float32Array>(async (texts) => {
    const response = await options.client.embeddings.create({
      model: options.model,
      input: texts,
      ...(shorten ? { dimensions } : {}),
    });
    const rows = [...response.data].sort((a, b) => a.index - b.index);
    if (rows.length !== texts.length) throw new Error(`embeddings API returned ${rows.length} vectors for ${texts.length} inputs`);
    return rows.map((row) => {
      if (row.embedding.length !== dimensions) {
        throw new Error(`embeddings API returned ${row.embedding.length} dimensions, expected ${dimensions}`);
      }
      return normalizeVector(Float32Array.from(row.embedding));
    });
  }, MAX_BATCH);

  return {
    id: `openai-${options.model}`,
    dimensions,
    embed: (texts) => batcher.submit(texts),
  };
}
