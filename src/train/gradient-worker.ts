/**
 * Data-parallel training on the second core (design.md §4: Node's wasm backend is single-threaded, so
 * one process leaves a core idle). A worker_thread with its own tfjs-wasm instance computes the
 * gradient of `captionLoss` for its share of each batch. Parameters and gradients cross through
 * SharedArrayBuffers laid out in WEIGHT_NAMES order, so a step copies no message payloads; Adam and
 * its moments stay in the main thread, which keeps checkpoints exactly as in single-core training.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Worker } from 'node:worker_threads';
import { WEIGHT_NAMES, weightShapes, type DecoderConfig, type WeightName } from '../model/weights';

export interface ShardLayout {
  name: WeightName;
  shape: number[];
  offset: number;
  length: number;
}

/** Where each parameter lives inside the flat shared buffers. */
export function shardLayout(config: DecoderConfig): { layout: ShardLayout[]; total: number } {
  const shapes = weightShapes(config);
  let offset = 0;
  const layout = WEIGHT_NAMES.map((name) => {
    const length = shapes[name].reduce((a, b) => a * b, 1);
    const entry = { name, shape: shapes[name], offset, length };
    offset += length;
    return entry;
  });
  return { layout, total: offset };
}

export interface WorkerBatch {
  features: Float32Array;
  inputs: Int32Array;
  targets: Int32Array;
  /** Per-target weights for self-critical training (absent: plain maximum likelihood). */
  weights?: Float32Array;
  batchSize: number;
  length: number;
  dropout: number;
}

export type WorkerRequest =
  | { type: 'init'; backend: string; config: DecoderConfig; weights: SharedArrayBuffer; grads: SharedArrayBuffer }
  | ({ type: 'step' } & WorkerBatch);
export type WorkerReply = { type: 'ready' } | { type: 'done'; loss: number } | { type: 'error'; message: string };

/** The main thread's handle on one gradient worker. */
export class GradientWorker {
  private readonly weights: Float32Array;
  private readonly grads: Float32Array;
  private readonly layout: ShardLayout[];
  private pending: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | null = null;

  private constructor(private readonly worker: Worker, config: DecoderConfig) {
    const { layout, total } = shardLayout(config);
    this.layout = layout;
    this.weights = new Float32Array(new SharedArrayBuffer(total * 4));
    this.grads = new Float32Array(new SharedArrayBuffer(total * 4));
    worker.on('message', (m: WorkerReply) => {
      const p = this.pending;
      this.pending = null;
      if (!p) return;
      if (m.type === 'error') p.reject(new Error(`gradient worker: ${m.message}`));
      else p.resolve(m);
    });
    worker.on('error', (e) => {
      this.pending?.reject(e);
      this.pending = null;
    });
  }

  static async start(config: DecoderConfig): Promise<GradientWorker> {
    // tsx does not hook worker_threads by itself; the worker registers it before importing its module.
    const url = new URL('./gradient-worker-main.ts', import.meta.url).href;
    const worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`, { eval: true });
    const gw = new GradientWorker(worker, config);
    // The worker runs the same backend as this thread, so both halves of a batch do identical maths.
    await gw.request({ type: 'init', backend: tf.getBackend(), config, weights: gw.weights.buffer as SharedArrayBuffer, grads: gw.grads.buffer as SharedArrayBuffer });
    return gw;
  }

  private request(message: WorkerRequest): Promise<WorkerReply> {
    if (this.pending) throw new Error('gradient worker is busy');
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message);
    });
  }

  /** Copy the current parameters where the worker reads them (call after every optimiser update). */
  publish(params: Record<WeightName, tf.Tensor>): void {
    for (const l of this.layout) this.weights.set(params[l.name].dataSync() as Float32Array, l.offset);
  }

  /** Start the worker's forward and backward pass; resolves with its mean loss when its gradients are in place. */
  async step(batch: WorkerBatch): Promise<number> {
    const r = await this.request({ type: 'step', ...batch });
    return r.type === 'done' ? r.loss : NaN;
  }

  /** The worker's gradients of the last step, as tensors (to be disposed by the caller's tidy). */
  gradients(): Record<WeightName, tf.Tensor> {
    const out = {} as Record<WeightName, tf.Tensor>;
    for (const l of this.layout) out[l.name] = tf.tensor(this.grads.slice(l.offset, l.offset + l.length), l.shape);
    return out;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
