/**
 * The training loop shared by `pretrain` (caption text alone) and `train` (Flickr8k with images):
 * length-bucketed batches (no padding, no mask), Adam with global-norm clipping, seeded shuffles,
 * a progress bar with ETA, periodic resumable checkpoints, and an optional evaluation hook.
 */
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { captionLoss, type DecoderParams } from '../model/decoder';
import { mulberry32, shuffle } from '../model/prng';
import { END_ID, START_ID } from '../model/vocab';
import { WEIGHT_NAMES, type WeightName } from '../model/weights';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import type { Logger } from './cli';
import { Progress } from './cli';
import { GradientWorker } from './gradient-worker';
import { WeightAverage } from './weight-average';

export interface Example {
  /** Word ids, without `<start>`/`<end>`. */
  words: number[];
  /** Row of the feature matrix, or -1 for text-only pre-training (x₋₁ = b_I). */
  image: number;
}

export interface TrainSettings {
  batchSize: number;
  learningRate: number;
  /** The learning rate is multiplied by this at the start of every epoch after the first. */
  lrDecay: number;
  dropout: number;
  clipNorm: number;
  seed: number;
  epochs: number;
  /** Stop (after a checkpoint) when this many minutes have passed in this run. */
  minutes: number;
  /** Checkpoint every this many minutes. */
  checkpointMinutes: number;
  /** Evaluate every this many batches (0: only at the end of each epoch). */
  evalEvery: number;
  /** Gradient workers beside this thread: 0 (one core) or 1 (both cores of this machine). */
  workers?: number;
  /**
   * Decay of a moving average of the weights that evaluation and the best weights use (0 or absent:
   * none). It starts at the weights the run starts or resumes from.
   */
  averageDecay?: number;
  /** Stop (after a checkpoint) at this step: equal-budget comparisons of settings (0 or absent: no limit). */
  maxSteps?: number;
  /** Weights that keep their initial values (say, W_e set from skip-gram vectors by embedding-init). */
  frozen?: WeightName[];
}

/** The weights a run updates, in WEIGHT_NAMES order (Adam keys its moments by this order). */
export function trainedWeightNames(s: TrainSettings): WeightName[] {
  return WEIGHT_NAMES.filter((n) => !s.frozen?.includes(n));
}

/** Batches of equal caption length, shuffled within and across lengths, reproducible per (seed, epoch). */
export function makeBatches(examples: readonly Example[], batchSize: number, seed: number, epoch: number): Example[][] {
  const random = mulberry32(seed * 1000 + epoch);
  const byLength = new Map<number, Example[]>();
  for (const e of examples) {
    const list = byLength.get(e.words.length) ?? [];
    list.push(e);
    byLength.set(e.words.length, list);
  }
  const batches: Example[][] = [];
  for (const len of [...byLength.keys()].sort((a, b) => a - b)) {
    const list = shuffle(byLength.get(len)!, random);
    for (let k = 0; k < list.length; k += batchSize) batches.push(list.slice(k, k + batchSize));
  }
  return shuffle(batches, random);
}

/** Rows of equal length ready for `captionLoss`: `rows` captions of `length` positions each, row-major. */
export interface PackedBatch {
  inputs: Int32Array;
  targets: Int32Array;
  feats: Float32Array;
  /** Per-target weights (self-critical training); absent for plain maximum likelihood. */
  weights?: Float32Array;
  rows: number;
  length: number;
}

/** Teacher-forcing arrays for captions of one length: `<start>` w₁ … w_n in, w₁ … w_n `<end>` out. */
export function packBatch(batch: readonly Example[], features: Float32Array | null, E: number): PackedBatch {
  const B = batch.length;
  const T = batch[0]!.words.length + 1;
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const feats = new Float32Array(B * E);
  batch.forEach((ex, b) => {
    inputs[b * T] = START_ID;
    ex.words.forEach((w, t) => {
      inputs[b * T + t + 1] = w;
      targets[b * T + t] = w;
    });
    targets[b * T + T - 1] = END_ID;
    if (ex.image >= 0 && features) feats.set(features.subarray(ex.image * E, (ex.image + 1) * E), b * E);
  });
  return { inputs, targets, feats, rows: B, length: T };
}

/** Copies of rows [from, to) of a packed batch (the two threads each take a share; a copy posts only its own bytes). */
export function sliceRows(p: PackedBatch, from: number, to: number): PackedBatch {
  const T = p.length;
  const E = p.feats.length / p.rows;
  return {
    inputs: p.inputs.slice(from * T, to * T),
    targets: p.targets.slice(from * T, to * T),
    feats: p.feats.slice(from * E, to * E),
    weights: p.weights?.slice(from * T, to * T),
    rows: to - from,
    length: T,
  };
}

export interface LoopState {
  epoch: number;
  batch: number;
  step: number;
  tokens: number;
  seconds: number;
  history: { step: number; epoch: number; loss: number; [k: string]: number }[];
  best: { score: number; step: number } | null;
  extra?: Record<string, unknown>;
}

export interface EvalResult {
  /** Higher is better; drives best-checkpoint selection and early stopping. */
  score: number;
  metrics: Record<string, number>;
}

export interface RunOptions {
  label: string;
  params: DecoderParams;
  examples: Example[];
  features: Float32Array | null;
  featureDim: number;
  settings: TrainSettings;
  checkpointDir: string;
  logger: Logger;
  evaluate?: () => EvalResult;
  /** Called when the evaluation score improves (e.g. to save the best weights). */
  onBest?: (state: LoopState) => void;
  /** Stop after this many evaluations without improvement (0: never). */
  patience?: number;
  /**
   * Evaluate the starting weights before the first step (fine-tuning runs), so the best weights
   * kept are never worse on dev than what the run started from.
   */
  evaluateStart?: boolean;
  extraState?: Record<string, unknown>;
  /**
   * Turns a batch of examples into training rows (default: `packBatch`, teacher forcing on the
   * examples' captions). Self-critical training samples captions here, with the current weights.
   */
  prepareBatch?: (batch: Example[], step: number) => PackedBatch;
  /** Extra text for the progress line (self-critical training shows its mean reward). */
  describe?: () => string;
}

/** One gradient worker when a second core exists (tfjs-wasm in Node uses one core per thread). */
export function defaultWorkers(): number {
  return os.availableParallelism() > 1 ? 1 : 0;
}

export async function runTraining(o: RunOptions): Promise<LoopState> {
  const p = o.params;
  const config = { vocabSize: p['output/bo'].shape[0]!, embedDim: p['embedding/We'].shape[1]!, hiddenDim: p['lstm/Wh'].shape[0]!, featureDim: o.featureDim };
  const worker = (o.settings.workers ?? 0) > 0 ? await GradientWorker.start(config) : null;
  if (worker) o.logger.log(`${o.label}: a gradient worker thread computes half of every batch`);
  try {
    return await startOrResume(o, worker);
  } finally {
    await worker?.stop();
  }
}

async function startOrResume(o: RunOptions, worker: GradientWorker | null): Promise<LoopState> {
  const s = o.settings;
  const vars = trainedWeightNames(s).map((n) => o.params[n] as tf.Variable);
  const optimizer = tf.train.adam(s.learningRate);
  let state: LoopState = { epoch: 0, batch: 0, step: 0, tokens: 0, seconds: 0, history: [], best: null, extra: o.extraState };

  const ckpt = loadCheckpoint<LoopState>(o.checkpointDir);
  if (ckpt) {
    for (const n of WEIGHT_NAMES) (o.params[n] as tf.Variable).assign(tf.tensor(ckpt.params[n]!.data, ckpt.params[n]!.shape));
    // Adam creates its moment variables lazily; one zero-gradient step creates them, then they are overwritten.
    optimizer.applyGradients(Object.fromEntries(vars.map((v) => [v.name, tf.zerosLike(v)])) as unknown as Parameters<typeof optimizer.applyGradients>[0]);
    await optimizer.setWeights(Object.entries(ckpt.optimizer).map(([name, a]) => ({ name, tensor: tf.tensor(a.data, a.shape) })));
    state = ckpt.state;
    o.logger.log(`${o.label}: resumed from ${o.checkpointDir} at epoch ${state.epoch}, batch ${state.batch}, step ${state.step}`);
  }
  const average = s.averageDecay ? new WeightAverage(o.params, s.averageDecay, ckpt?.average) : null;
  if (average) o.logger.log(`${o.label}: evaluating a moving average of the weights (decay ${s.averageDecay}), ${ckpt?.average ? 'resumed' : 'started at the current weights'}`);
  try {
    return await loop(o, worker, optimizer, state, average);
  } finally {
    average?.dispose();
  }
}

async function loop(o: RunOptions, worker: GradientWorker | null, optimizer: tf.AdamOptimizer, state: LoopState, average: WeightAverage | null): Promise<LoopState> {
  const s = o.settings;
  const names = trainedWeightNames(s);
  const vars = names.map((n) => o.params[n] as tf.Variable);
  const weightVariables = Object.fromEntries(WEIGHT_NAMES.map((n) => [n, o.params[n] as tf.Variable]));
  const save = async () => saveCheckpoint(o.checkpointDir, o.params, await optimizer.getWeights(), state, average?.tensors());
  const totalBatches = s.epochs * makeBatches(o.examples, s.batchSize, s.seed, 0).length;
  const progress = new Progress(o.label, totalBatches, state.epoch * Math.ceil(totalBatches / s.epochs) + state.batch);
  const runStart = performance.now();
  let lastCkpt = runStart;
  let recentLoss = 0;
  let recentCount = 0;
  let stale = 0;
  const E = o.featureDim;

  /** Evaluates the weights in `o.params` and, when they are the best so far, saves them. */
  const evaluateAndKeepBest = (run: () => EvalResult) => {
    const t0 = performance.now();
    const r = run();
    const improved = !state.best || r.score > state.best.score;
    state.history.push({ step: state.step, epoch: state.epoch + state.batch / 1e9, loss: recentCount ? recentLoss / recentCount : NaN, ...r.metrics });
    o.logger.log(`${o.label}: eval at step ${state.step} (epoch ${state.epoch}, batch ${state.batch}): ${JSON.stringify(r.metrics)}${improved ? ' (best so far)' : ''} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (improved) {
      state.best = { score: r.score, step: state.step };
      stale = 0;
      o.onBest?.(state);
    } else stale++;
  };
  const evaluate = () => {
    const run = o.evaluate;
    if (!run) return false;
    // With a moving average, the average is what is evaluated and, if best, saved.
    if (average) average.withAveraged(weightVariables, () => evaluateAndKeepBest(run));
    else evaluateAndKeepBest(run);
    return o.patience ? stale >= o.patience : false;
  };

  if (o.evaluateStart && state.step === 0 && !state.best) evaluate();
  outer: for (; state.epoch < s.epochs; state.epoch++, state.batch = 0) {
    const batches = makeBatches(o.examples, s.batchSize, s.seed, state.epoch);
    // AdamOptimizer reads its learningRate field at every update, so setting it schedules the rate.
    (optimizer as unknown as { learningRate: number }).learningRate = s.learningRate * Math.pow(s.lrDecay, state.epoch);
    for (; state.batch < batches.length; ) {
      const batch = batches[state.batch]!;
      const t0 = performance.now();
      const packed = o.prepareBatch ? o.prepareBatch(batch, state.step) : packBatch(batch, o.features, E);
      const B = packed.rows;
      const T = packed.length;
      // With a worker, it takes the second half of the rows while this thread does the first.
      const split = worker && B >= 2 ? Math.ceil(B / 2) : B;
      const own = split === B ? packed : sliceRows(packed, 0, split);
      let workerLoss: Promise<number> | null = null;
      if (worker && split < B) {
        const theirs = sliceRows(packed, split, B);
        worker.publish(o.params);
        workerLoss = worker.step({ features: theirs.feats, inputs: theirs.inputs, targets: theirs.targets, weights: theirs.weights, batchSize: B - split, length: T, dropout: s.dropout });
      }
      const ownResult = tf.tidy(() => {
        const features = tf.tensor2d(own.feats, [split, E]);
        const { value, grads } = tf.variableGrads(() => captionLoss(o.params, { features, inputs: own.inputs, targets: own.targets, weights: own.weights, length: T }, s.dropout), vars);
        return { loss: value.dataSync()[0]!, grads };
      });
      const theirLoss = workerLoss ? await workerLoss : 0;
      tf.tidy(() => {
        let grads = ownResult.grads as Record<string, tf.Tensor>;
        if (workerLoss) {
          // Both halves hold captions of the same length, so the batch mean weighs each half by its size.
          const w = split / B;
          const theirs = worker!.gradients();
          grads = Object.fromEntries(vars.map((v, k) => [v.name, tf.add(tf.mul(grads[v.name]!, w), tf.mul(theirs[names[k]!], 1 - w))]));
        }
        // Global-norm clipping keeps early LSTM steps from blowing up.
        const norm = Math.sqrt(Object.values(grads).reduce((a, g) => a + (tf.sum(tf.square(g)).dataSync()[0] as number), 0));
        const scale = norm > s.clipNorm ? s.clipNorm / norm : 1;
        const clipped = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, scale === 1 ? g : tf.mul(g, scale)]));
        optimizer.applyGradients(clipped as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      });
      average?.update(o.params);
      tf.dispose(Object.values(ownResult.grads));
      recentLoss += workerLoss ? (ownResult.loss * split + theirLoss * (B - split)) / B : ownResult.loss;
      recentCount++;
      state.seconds += (performance.now() - t0) / 1000;
      state.tokens += B * T;
      state.step++;
      state.batch++;
      progress.tick(1, `loss ${(recentLoss / recentCount).toFixed(3)} ${(state.tokens / state.seconds).toFixed(0)} tok/s${o.describe ? ' ' + o.describe() : ''}`);
      if (state.step % 200 === 0) {
        o.logger.log(`${o.label}: step ${state.step} epoch ${state.epoch} batch ${state.batch}/${batches.length} loss ${(recentLoss / recentCount).toFixed(4)} ${(state.tokens / state.seconds).toFixed(0)} tok/s${o.describe ? ' ' + o.describe() : ''}`);
        state.history.push({ step: state.step, epoch: state.epoch, loss: recentLoss / recentCount });
        recentLoss = 0;
        recentCount = 0;
      }
      if (s.evalEvery > 0 && state.step % s.evalEvery === 0 && evaluate()) {
        o.logger.log(`${o.label}: early stop (no improvement in ${o.patience} evaluations)`);
        await save();
        break outer;
      }
      if (s.maxSteps && state.step >= s.maxSteps) {
        o.logger.log(`${o.label}: step limit of ${s.maxSteps} reached at epoch ${state.epoch} batch ${state.batch}; checkpoint saved`);
        await save();
        return state;
      }
      const now = performance.now();
      if (now - lastCkpt > s.checkpointMinutes * 60e3) {
        await save();
        lastCkpt = now;
      }
      if (now - runStart > s.minutes * 60e3) {
        // The steps since the last evaluation would otherwise be lost to a run that is not resumed
        // (npm run pipeline gives each stage a fixed share of its budget).
        if (s.evalEvery > 0 && state.step % s.evalEvery !== 0) evaluate();
        o.logger.log(`${o.label}: time budget of ${s.minutes} min reached at epoch ${state.epoch} batch ${state.batch}; checkpoint saved, rerun to resume`);
        await save();
        return state;
      }
    }
    if (s.evalEvery === 0 && evaluate()) {
      o.logger.log(`${o.label}: early stop (no improvement in ${o.patience} evaluations)`);
      state.epoch++;
      state.batch = 0;
      await save();
      break;
    }
  }
  if (state.epoch >= s.epochs) await save();
  o.logger.log(`${o.label}: done: ${state.step} steps, ${state.tokens} tokens, ${(state.tokens / state.seconds).toFixed(0)} tok/s`);
  return state;
}
