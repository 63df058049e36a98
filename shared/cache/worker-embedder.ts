import { Worker } from 'node:worker_threads';
import { normalizeVector, type Embedder } from './embedder.js';
import { MicroBatcher } from './micro-batcher.js';

/**
 * An embedding model run in a worker thread, for models whose forward pass would otherwise block
 * the event loop for every request (USE-lite on TF.js WASM, ONNX models on onnxruntime-node: both
 * measured to block for the whole call). The worker is plain CommonJS evaluated from a string, so it
 * loads without a TypeScript loader (vitest, tsx and built JS alike).
 *
 * Protocol: worker -> {ready: true, dimensions} | {ready: false, message}; main -> {id, texts};
 * worker -> {id, ok: true, buffer (Float32 rows, transferred)} | {id, ok: false, message}.
 */
export interface WorkerEmbedderOptions {
  /** The worker's CommonJS source (see the protocol above). */
  source: string;
  workerData: Record<string, unknown>;
  /** Names the model for `Embedder.id` (vectors of different ids are never compared). */
  id: string;
  /** For error messages: "USE-lite", "transformers model 'x'". */
  label: string;
  /** Texts per model call. */
  maxBatch: number;
  /** Called once when the worker exits (crash or termination); the embedder is dead from then on. */
  onExit?: () => void;
}

type WorkerReply =
  | { id: number; ok: true; buffer: ArrayBuffer }
  | { id: number; ok: false; message: string }
  | { ready: true; dimensions: number }
  | { ready: false; message: string };

/** Starts the worker and resolves once its model is loaded; rejects with the worker's load error. */
export async function startWorkerEmbedder(options: WorkerEmbedderOptions): Promise<Embedder> {
  const worker = new Worker(options.source, { eval: true, workerData: options.workerData });
  const dimensions = await new Promise<number>((resolve, reject) => {
    const failed = (error: Error): void => reject(error);
    worker.once('error', failed);
    worker.once('message', (reply: WorkerReply) => {
      worker.off('error', failed);
      if ('ready' in reply && reply.ready) resolve(reply.dimensions);
      else reject(new Error(`${options.label} failed to load: ${'message' in reply ? reply.message : 'unexpected reply'}`));
    });
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  return new WorkerEmbedder(worker, options, dimensions);
}

class WorkerEmbedder implements Embedder {
  readonly id: string;
  readonly #worker: Worker;
  readonly #label: string;
  readonly #batcher: MicroBatcher<string, Float32Array>;
  readonly #waiting = new Map<number, { resolve: (rows: Float32Array[]) => void; reject: (e: Error) => void; count: number }>();
  #nextId = 0;

  constructor(
    worker: Worker,
    options: WorkerEmbedderOptions,
    readonly dimensions: number,
  ) {
    this.id = options.id;
    this.#label = options.label;
    this.#worker = worker;
    this.#batcher = new MicroBatcher((texts) => this.#call(texts), options.maxBatch);
    // Idle, the worker must not keep the process alive; while a call is out it must (see #call).
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.#settle(reply));
    worker.on('error', (error) => this.#failAll(error));
    worker.on('exit', (code) => {
      options.onExit?.();
      this.#failAll(new Error(`${this.#label} worker exited with code ${code}`));
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
    if (!reply.ok) return waiter.reject(new Error(`${this.#label} embedding failed: ${reply.message}`));
    const rows: Float32Array[] = [];
    for (let i = 0; i < waiter.count; i++) {
      rows.push(normalizeVector(new Float32Array(reply.buffer, i * this.dimensions * 4, this.dimensions).slice()));
    }
    waiter.resolve(rows);
  }

  #failAll(error: Error): void {
    for (const waiter of this.#waiting.values()) waiter.reject(error);
    this.#waiting.clear();
  }
}
