import type { Redis } from 'ioredis';
import { createOpenAIEmbedder } from '../shared/cache/openai-embedder.js';
import { EmbeddedVectorStore } from '../shared/cache/embedded-vector-store.js';
import type { Embedder } from '../shared/cache/embedder.js';
import { vectorCollectionName } from '../shared/cache/embedder.js';
import { QdrantVectorStore } from '../shared/cache/qdrant-vector-store.js';
import { SemanticCache } from '../shared/cache/semantic-cache.js';
import { useLiteEmbedder } from '../shared/cache/use-lite-embedder.js';
import { ModelFolderError, transformersEmbedder } from '../shared/cache/transformers-embedder.js';
import { StartupError } from './start-failure.js';
import type { VectorStore } from '../shared/cache/vector-store.js';
import type { SwitchyardConfig } from '../shared/config/config-schema.js';
import { createOpenAIClient } from '../workers/providers/openai/openai-runtime.js';

/**
 * Builds the response cache from config: the embedder (USE-lite in a worker thread by default, a
 * model folder run by @huggingface/transformers, or a vendor embeddings API through a configured
 * deployment) and the vector store (embedded, or Qdrant).
 * Null when both tiers are disabled.
 */
export async function createResponseCache(config: SwitchyardConfig, redis: Redis, onError: (err: unknown) => void): Promise<SemanticCache | null> {
  const cache = config.cache;
  if (!cache.exact.enabled && !cache.semantic.enabled) return null;
  const embedder = await createEmbedder(config);
  const collection = vectorCollectionName(embedder);
  let vectorStore: VectorStore;
  if (cache.semantic.store === 'qdrant') {
    // Loaded only when used: the client brings npm undici, which replaces the process's global fetch dispatcher.
    const { QdrantClient } = await import('@qdrant/js-client-rest');
    const qdrant = new QdrantVectorStore({ client: new QdrantClient({ url: cache.qdrant.url!, apiKey: cache.qdrant.apiKey }), collection, dimensions: embedder.dimensions });
    await qdrant.ready();
    vectorStore = qdrant;
  } else {
    // Rebuilds this process's index from Redis before the first lookup.
    const embedded = new EmbeddedVectorStore({ redis, keyPrefix: config.redis.keyPrefix, collection, dimensions: embedder.dimensions });
    await embedded.ready();
    vectorStore = embedded;
  }
  return new SemanticCache({ redis, keyPrefix: config.redis.keyPrefix, embedder, vectorStore, config: cache, onBackgroundError: onError });
}

async function createEmbedder(config: SwitchyardConfig): Promise<Embedder> {
  const spec = config.cache.embedder;
  if (spec.kind === 'use-lite') return useLiteEmbedder();
  if (spec.kind === 'transformers') {
    return transformersEmbedder(spec).catch((error: unknown) => {
      throw new StartupError(error instanceof ModelFolderError ? error.message : `cache.embedder: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
  }
  const deployment = config.deployments[spec.deployment];
  if (!deployment) throw new Error(`cache.embedder.deployment '${spec.deployment}' is not a configured deployment`);
  const client = createOpenAIClient({ apiKey: deployment.apiKey ?? '', baseURL: deployment.baseURL });
  return createOpenAIEmbedder({ client, model: spec.model, dimensions: spec.dimensions });
}
