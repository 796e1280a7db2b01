/**
 * `npm run bench:train`: training throughput next to the wasm matMul peak measured in the same
 * process. Prints tokens/s, achieved GFLOP/s (counted matMul FLOPs: forward + backward) and the
 * ratio to the peak. Synthetic data of Flickr8k's shape, so it needs no dataset.
 */
import * as tf from '@tensorflow/tfjs-core';
import { captionLoss, paramsFromWeights } from '../model/decoder';
import { FEATURE_DIM } from '../model/encoder';
import { mulberry32 } from '../model/prng';
import { initWeights, WEIGHT_NAMES } from '../model/weights';
import { flagNumber, parseFlags } from '../train/cli';
import { initBackend } from '../train/node-backend';
import { Logger } from '../train/cli';
import { runTraining, type Example } from '../train/trainer';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function matMulPeak(m: number, k: number, n: number, reps: number): number {
  const a = tf.randomUniform([m, k]) as tf.Tensor2D;
  const b = tf.randomUniform([k, n]) as tf.Tensor2D;
  tf.matMul(a, b).dispose(); // warm-up
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  return (2 * m * k * n) / (median(times) / 1000) / 1e9;
}

/** matMul FLOPs of one training step (forward, and 2× for the backward pass). */
export function trainStepFlops(B: number, T: number, E: number, H: number, V: number): number {
  const N = B * T;
  const forward = 2 * N * E * 4 * H + 2 * N * H * 4 * H + 2 * N * H * V + 2 * B * FEATURE_DIM * E + 2 * B * (E * 4 * H + H * 4 * H);
  return 3 * forward;
}

async function main() {
  const { flags } = parseFlags();
  console.log(`backend: ${await initBackend('wasm')}`);
  const H = flagNumber(flags, 'hidden', 512);
  const E = flagNumber(flags, 'embed', 256);
  const V = flagNumber(flags, 'vocab', 3073);
  const B = flagNumber(flags, 'batch', 128);
  const T = flagNumber(flags, 'length', 12);
  const steps = flagNumber(flags, 'steps', 10);
  const config = { vocabSize: V, embedDim: E, hiddenDim: H, featureDim: FEATURE_DIM };
  const params = paramsFromWeights(initWeights(config, 1), true);
  const vars = WEIGHT_NAMES.map((n) => params[n] as tf.Variable);
  const optimizer = tf.train.adam(1e-3);
  const random = mulberry32(5);
  const ids = () => Int32Array.from({ length: B * T }, () => 3 + Math.floor(random() * (V - 3)));
  const flops = trainStepFlops(B, T, E, H, V);
  // Each step is paired with a peak measured just before it, and the ratio is taken per pair: the
  // speed of this shared machine drifts (the peak alone ranged 14–22 GFLOP/s within one run), so a
  // peak and a step measured minutes apart would compare different machines.
  const times: number[] = [];
  const peaks: number[] = [];
  const ratios: number[] = [];
  for (let s = 0; s < steps + 1; s++) {
    const peakNow = matMulPeak(1024, 512, 3000, 3);
    const t0 = performance.now();
    // As the trainer does it (src/train/trainer.ts): the gradients leave their tidy, then Adam.
    const grads = tf.tidy(() => {
      const features = tf.randomUniform([B, FEATURE_DIM]) as tf.Tensor2D;
      return tf.variableGrads(() => captionLoss(params, { features, inputs: ids(), targets: ids(), length: T }, 0.3), vars).grads;
    });
    tf.tidy(() => optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]));
    tf.dispose(Object.values(grads));
    // A plain read, not inside tf.tidy: tidy walks what its function returns looking for tensors,
    // key by key, so returning a 786,000-value Float32Array cost ~0.7 s per step and made this
    // figure ~25 % slower than the trainer's own loop.
    vars[0]!.dataSync();
    if (s === 0) continue; // the first step compiles and allocates
    const ms = performance.now() - t0;
    times.push(ms);
    peaks.push(peakNow);
    ratios.push(flops / (ms / 1000) / 1e9 / peakNow);
  }
  const peak = median(peaks);
  const sec = median(times) / 1000;
  const gflops = flops / sec / 1e9;
  const row = (k: string, v: string) => console.log(`${k.padEnd(34)} ${v}`);
  row('shape', `B=${B} T=${T} E=${E} H=${H} V=${V}`);
  row('matMul peak (1024×512·512×3000)', `${peak.toFixed(1)} GFLOP/s (median; ${Math.min(...peaks).toFixed(1)}–${Math.max(...peaks).toFixed(1)} over the ${peaks.length} steps)`);
  row('train step (median)', `${(sec * 1000).toFixed(0)} ms`);
  row('throughput', `${((B * T) / sec).toFixed(0)} tokens/s`);
  row('achieved', `${gflops.toFixed(1)} GFLOP/s = ${(100 * median(ratios)).toFixed(0)} % of peak (median of each step against the peak measured just before it; ${(100 * Math.min(...ratios)).toFixed(0)}–${(100 * Math.max(...ratios)).toFixed(0)} %)`);
  tf.dispose(vars);

  // The real training loop (Adam, clipping, bookkeeping), one thread against one thread plus a
  // gradient worker on the second core, on the same synthetic batches.
  const loopSteps = flagNumber(flags, 'loop-steps', 8);
  const examples: Example[] = Array.from({ length: loopSteps * B }, (_, i) => ({ words: Array.from({ length: T - 1 }, () => 3 + Math.floor(random() * (V - 3))), image: i }));
  const features = Float32Array.from({ length: examples.length * FEATURE_DIM }, () => random());
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-train-'));
  const loop = async (workers: number) => {
    const p = paramsFromWeights(initWeights(config, 1), true);
    const settings = { batchSize: B, learningRate: 1e-3, lrDecay: 1, dropout: 0.3, clipNorm: 5, seed: 1, epochs: 1, minutes: 60, checkpointMinutes: 1e9, evalEvery: 0, workers };
    const state = await runTraining({ label: `loop-${workers}`, params: p, examples, features, featureDim: FEATURE_DIM, settings, checkpointDir: path.join(work, `w${workers}`), logger: new Logger(path.join(work, 'log')) });
    tf.dispose(WEIGHT_NAMES.map((n) => p[n]));
    return state.tokens / state.seconds;
  };
  const one = await loop(0);
  const two = await loop(1);
  row('training loop, 1 thread', `${one.toFixed(0)} tokens/s`);
  row('training loop, + gradient worker', `${two.toFixed(0)} tokens/s = ${(two / one).toFixed(2)}× (cores: ${os.availableParallelism()})`);
  rmSync(work, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
