import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import type { Embedder } from './embedder.js';
import { startWorkerEmbedder } from './worker-embedder.js';

/** The files a model folder must hold: a Hugging Face ONNX export's layout. */
export const MODEL_FOLDER_FILES = ['config.json', 'tokenizer.json', 'onnx/model.onnx'] as const;

export interface TransformersEmbedderOptions {
  /** The model folder (config.json, tokenizer.json, onnx/model.onnx). */
  path: string;
  /** How token vectors become one sentence vector: the mean over tokens, or the [CLS] token's. */
  pooling: 'mean' | 'cls';
  /** onnxruntime intra-op threads for the forward pass. */
  threads: number;
  /** Texts per model call. */
  maxBatch: number;
}

/**
 * A sentence encoder from a folder the operator supplies (all-MiniLM-L6-v2, bge-small, gte-small…
 * exported to ONNX), run by `@huggingface/transformers` on onnxruntime-node with remote models off:
 * nothing is ever downloaded. The forward pass blocks the thread it runs on for the whole call
 * (measured: a 30-word prompt's 11–17 ms), so it runs in a worker thread like USE-lite.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const describe = (error) => String((error && error.message) || error);
(async () => {
  const { env, pipeline } = require(workerData.transformersModule);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = workerData.parent;
  const extractor = await pipeline('feature-extraction', workerData.name, {
    dtype: 'fp32',
    session_options: { intraOpNumThreads: workerData.threads, interOpNumThreads: 1 },
  });
  const embed = (texts) => extractor(texts, { pooling: workerData.pooling, normalize: true });
  // One embed at load: it gives the dimensions and warms the session up.
  const probe = await embed(['warm up']);
  const dimensions = probe.dims[probe.dims.length - 1];
  parentPort.on('message', ({ id, texts }) => {
    embed(texts).then((output) => {
      const flat = Float32Array.from(output.data);
      parentPort.postMessage({ id, ok: true, buffer: flat.buffer }, [flat.buffer]);
    }, (error) => parentPort.postMessage({ id, ok: false, message: describe(error) }));
  });
  parentPort.postMessage({ ready: true, dimensions });
})().catch((error) => parentPort.postMessage({ ready: false, message: describe(error) }));
`;

/** Raised when the configured folder lacks a file: the operator's to fix, reported as one line at start-up. */
export class ModelFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

const loaded = new Map<string, Promise<Embedder>>();

/**
 * The process-wide embedder for one model folder (and pooling and threads): loaded once, on first
 * use; a failed load is not kept, so a later call retries.
 */
export function transformersEmbedder(options: TransformersEmbedderOptions): Promise<Embedder> {
  const folder = resolve(options.path);
  const cacheKey = JSON.stringify({ ...options, path: folder });
  let embedder = loaded.get(cacheKey);
  if (!embedder) {
    embedder = start({ ...options, path: folder }, () => loaded.delete(cacheKey)).catch((error: unknown) => {
      loaded.delete(cacheKey);
      throw error;
    });
    loaded.set(cacheKey, embedder);
  }
  return embedder;
}

async function start(options: TransformersEmbedderOptions, onExit: () => void): Promise<Embedder> {
  const missing = MODEL_FOLDER_FILES.filter((file) => !existsSync(join(options.path, file)));
  if (missing.length > 0) {
    throw new ModelFolderError(`cache.embedder.path '${options.path}' is not a model folder: missing ${missing.join(', ')} (expected a Hugging Face ONNX export: ${MODEL_FOLDER_FILES.join(', ')}).`);
  }
  const require = createRequire(import.meta.url);
  return startWorkerEmbedder({
    source: WORKER_SOURCE,
    workerData: {
      transformersModule: require.resolve('@huggingface/transformers'),
      parent: dirname(options.path),
      name: basename(options.path),
      pooling: options.pooling,
      threads: options.threads,
    },
    id: `transformers-${basename(options.path)}-${options.pooling}-${await folderDigest(options.path)}`,
    label: `transformers model '${basename(options.path)}'`,
    maxBatch: options.maxBatch,
    onExit,
  });
}

/**
 * 12 hex digits of SHA-256 over the model's files. The content, not sizes or times: every process
 * that loads the same model (copied to another machine, too) must land in the same vector
 * collection, and a changed model in a new one.
 */
async function folderDigest(folder: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of MODEL_FOLDER_FILES) {
    hash.update(`${file}\n`);
    for await (const chunk of createReadStream(join(folder, file))) hash.update(chunk as Buffer);
  }
  return hash.digest('hex').slice(0, 12);
}
