/**
 * Show and Tell's decoder on tfjs tensors.
 *
 *   x₋₁ = W_I·f + b_I      (the image, fed once)
 *   x_t = W_e·S_t          (`<start>`, then the words)
 *   p_t = softmax(W_o·h_t + b_o)
 *
 * `TfDecoder` implements the search's StepModel (used by the page and by Node's eval), and
 * `captionLoss` is the batched, differentiable training form with the same parameters.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lstmSequence, lstmStep, mm, type CellOutput, type LstmParams } from './lstm';
import type { Gates, LstmState, StepModel } from './trace';
import { WEIGHT_NAMES, type DecoderConfig, type WeightName, type WeightSet } from './weights';

export type DecoderParams = Record<WeightName, tf.Tensor>;

/** tf.customGrad's callback type; its signature (inputs…, save) does not type-check when written out. */
type CustomGradFn = Parameters<typeof tf.customGrad>[0];

let modelCount = 0;

export function paramsFromWeights(weights: WeightSet, variables = false): DecoderParams {
  const out = {} as DecoderParams;
  // tfjs variable names are global: suffix them so several models can live in one process.
  const suffix = `#${modelCount++}`;
  for (const name of WEIGHT_NAMES) {
    const t = tf.tensor(weights[name].data, weights[name].shape, 'float32');
    out[name] = variables ? tf.variable(t, true, name + suffix) : t;
    if (variables) t.dispose();
  }
  return out;
}

export function weightsFromParams(params: DecoderParams): WeightSet {
  const out = {} as WeightSet;
  for (const name of WEIGHT_NAMES) out[name] = { shape: params[name].shape.slice(), data: Float32Array.from(params[name].dataSync() as Float32Array) };
  return out;
}

const lstmParams = (p: DecoderParams): LstmParams => ({ Wx: p['lstm/Wx'] as tf.Tensor2D, Wh: p['lstm/Wh'] as tf.Tensor2D, b: p['lstm/b'] as tf.Tensor1D });

/** x₋₁ = f·W_I + b_I for a batch of features [B,F]. */
export function imageEmbedding(p: DecoderParams, features: tf.Tensor2D): tf.Tensor2D {
  return tf.add(mm(features, p['image/Wi'] as tf.Tensor2D), p['image/bi']) as tf.Tensor2D;
}

/**
 * Word embedding lookup. The gather's own gradient needs UnsortedSegmentSum, which the wasm backend
 * lacks, so the gradient is a scatter-add done in plain JS (design.md §4, measured faster than one-hot).
 */
export function embed(We: tf.Tensor, ids: Int32Array): tf.Tensor2D {
  const [V, E] = We.shape as [number, number];
  const lookup = tf.customGrad(((table: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.gather(table, tf.tensor1d(ids, 'int32')),
      gradFunc: (dy: tf.Tensor) => {
        const d = dy.dataSync() as Float32Array;
        const grad = new Float32Array(V * E);
        for (let n = 0; n < ids.length; n++) {
          const row = ids[n]! * E;
          const src = n * E;
          for (let e = 0; e < E; e++) grad[row + e]! += d[src + e]!;
        }
        return tf.tensor2d(grad, [V, E]);
      },
    };
  }) as unknown as CustomGradFn);
  return lookup(We) as tf.Tensor2D;
}

/**
 * Mean cross-entropy of logits [N,V] against target ids, with the fused softmax − one-hot gradient.
 * With `weights` (one per row) it is Σ wₙ·CEₙ / N: self-critical training weighs each sampled token
 * by its caption's advantage (negative weights push a caption's probability down) and gives padding 0.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, targets: Int32Array, weights?: Float32Array): tf.Scalar {
  const V = logits.shape[1];
  const n = targets.length;
  if (weights && weights.length !== n) throw new Error(`softmaxCrossEntropy: ${weights.length} weights for ${n} targets`);
  const ce = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const oneHot = tf.oneHot(tf.tensor1d(targets, 'int32'), V);
    const w = weights ? tf.tensor2d(weights, [n, 1]) : null;
    save(w ? [x, oneHot, w] : [x, oneHot]);
    const lse = tf.logSumExp(x, 1, true);
    const perRow = tf.sub(lse, tf.sum(tf.mul(x, oneHot), 1, true));
    return {
      value: tf.div(tf.sum(w ? tf.mul(perRow, w) : perRow), n) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = tf.mul(tf.sub(tf.softmax(saved[0]!), saved[1]!), tf.div(dy, n));
        return [saved[2] ? tf.mul(g, saved[2]) : g];
      },
    };
  }) as unknown as CustomGradFn);
  return ce(logits) as tf.Scalar;
}

export interface CaptionBatch {
  /** [B, F] image features (zeros for text-only pre-training: then x₋₁ = b_I). */
  features: tf.Tensor2D;
  /** B captions of equal length T, as ids, each starting with `<start>`: inputs[b·T + t]. */
  inputs: Int32Array;
  /** The next word for each input position (ending with `<end>`), same layout. */
  targets: Int32Array;
  length: number;
  /** Optional weight of each target, same layout (self-critical training; see softmaxCrossEntropy). */
  weights?: Float32Array;
}

/** Teacher-forced negative log-likelihood, mean per token: −Σ log p(S_t | I, S_<t) / N. */
export function captionLoss(p: DecoderParams, batch: CaptionBatch, dropout = 0): tf.Scalar {
  const B = batch.features.shape[0];
  const T = batch.length;
  const E = p['embedding/We'].shape[1]!;
  const H = p['lstm/Wh'].shape[0]!;
  // Time-major ids so that step t's batch is one contiguous block.
  const timeMajor = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  if (batch.weights && batch.weights.length !== B * T) throw new Error(`captionLoss: ${batch.weights.length} weights for ${B * T} targets`);
  const weights = batch.weights ? new Float32Array(B * T) : undefined;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      timeMajor[t * B + b] = batch.inputs[b * T + t]!;
      targets[t * B + b] = batch.targets[b * T + t]!;
      if (weights) weights[t * B + b] = batch.weights![b * T + t]!;
    }
  }
  const image = tf.reshape(imageEmbedding(p, batch.features), [1, B, E]);
  let words = tf.reshape(embed(p['embedding/We'], timeMajor), [T, B, E]);
  if (dropout > 0) words = tf.dropout(words, dropout);
  const xs = tf.concat([image, words], 0) as tf.Tensor3D;
  const zeros = tf.zeros([B, H]) as tf.Tensor2D;
  // Every step's h, [(T+1)·B, H]; the image step's B rows predict nothing.
  const hSeq = lstmSequence(lstmParams(p), xs, zeros, zeros);
  let hAll = tf.slice(hSeq, [B, 0], [T * B, H]) as tf.Tensor2D; // [T·B, H]
  if (dropout > 0) hAll = tf.dropout(hAll, dropout) as tf.Tensor2D;
  const logits = tf.add(mm(hAll, p['output/Wo'] as tf.Tensor2D), p['output/bo']) as tf.Tensor2D;
  return softmaxCrossEntropy(logits, targets, weights);
}

function gatesOfRow(data: Record<keyof CellOutput, Float32Array>, row: number, H: number): Gates {
  const pick = (k: keyof CellOutput) => data[k].slice(row * H, (row + 1) * H);
  return { i: pick('i'), f: pick('f'), o: pick('o'), g: pick('g'), c: pick('c'), h: pick('h') };
}

/** The decoder as a StepModel: states live in plain arrays, tensors live only inside one step. */
export class TfDecoder implements StepModel {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  constructor(readonly params: DecoderParams, readonly config: DecoderConfig) {
    this.vocabSize = config.vocabSize;
    this.hiddenSize = config.hiddenDim;
  }

  static fromWeights(config: DecoderConfig, weights: WeightSet): TfDecoder {
    return new TfDecoder(paramsFromWeights(weights), config);
  }

  private run(x: () => tf.Tensor2D, states: readonly LstmState[], withLogits: boolean) {
    const B = states.length;
    const H = this.hiddenSize;
    const hIn = new Float32Array(B * H);
    const cIn = new Float32Array(B * H);
    states.forEach((s, b) => {
      hIn.set(s.h, b * H);
      cIn.set(s.c, b * H);
    });
    // One scope per step: a tidy around a whole search held ~150 MB per step (design.md §4b).
    const keys = ['i', 'f', 'o', 'g', 'c', 'h'] as const;
    const V = this.vocabSize;
    // One [B, 6H (+V)] tensor and one read-back per step: each dataSync has a fixed cost that
    // seven separate reads paid seven times.
    const packed = tf.tidy(() => {
      const out = lstmStep(lstmParams(this.params), x(), tf.tensor2d(hIn, [B, H]), tf.tensor2d(cIn, [B, H]));
      const parts: tf.Tensor2D[] = keys.map((k) => out[k]);
      if (withLogits) parts.push(tf.add(tf.matMul(out.h, this.params['output/Wo'] as tf.Tensor2D), this.params['output/bo']) as tf.Tensor2D);
      return tf.concat(parts, 1);
    });
    const all = packed.dataSync() as Float32Array;
    packed.dispose();
    const width = 6 * H + (withLogits ? V : 0);
    const data = {} as Record<keyof CellOutput, Float32Array>;
    keys.forEach((k, n) => {
      const block = new Float32Array(B * H);
      for (let b = 0; b < B; b++) block.set(all.subarray(b * width + n * H, b * width + (n + 1) * H), b * H);
      data[k] = block;
    });
    let logitData: Float32Array | null = null;
    if (withLogits) {
      logitData = new Float32Array(B * V);
      for (let b = 0; b < B; b++) logitData.set(all.subarray(b * width + 6 * H, (b + 1) * width), b * V);
    }
    const gates = states.map((_, b) => gatesOfRow(data, b, H));
    return {
      states: gates.map((g) => ({ h: g.h, c: g.c })),
      gates,
      logits: logitData ? states.map((_, b) => logitData.slice(b * V, (b + 1) * V)) : [],
    };
  }

  imageStep(feature: Float32Array): { state: LstmState; gates: Gates } {
    if (feature.length !== this.config.featureDim) throw new Error(`decoder: feature has ${feature.length} values, the model expects ${this.config.featureDim}`);
    const H = this.hiddenSize;
    const zero = { h: new Float32Array(H), c: new Float32Array(H) };
    const r = this.run(() => imageEmbedding(this.params, tf.tensor2d(feature, [1, feature.length])), [zero], false);
    return { state: r.states[0]!, gates: r.gates[0]! };
  }

  step(states: readonly LstmState[], tokens: readonly number[]) {
    return this.run(() => tf.gather(this.params['embedding/We'], tf.tensor1d(Int32Array.from(tokens), 'int32')) as tf.Tensor2D, states, true);
  }

  dispose(): void {
    tf.dispose(Object.values(this.params));
  }
}

