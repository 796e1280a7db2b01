import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchedGreedy, batchedSample } from '../../src/model/batched-decode';
import { captionLoss, paramsFromWeights } from '../../src/model/decoder';
import { mulberry32 } from '../../src/model/prng';
import { END_ID, START_ID, Vocabulary } from '../../src/model/vocab';
import { initWeights } from '../../src/model/weights';
import { Logger } from '../../src/train/cli';
import { selfCriticalBatch } from '../../src/train/self-critical';
import { runTraining, type Example } from '../../src/train/trainer';
import { fakeFeature, loadFixture, useCpu } from './helpers';

let fx: Awaited<ReturnType<typeof loadFixture>>;
beforeAll(async () => {
  fx = await loadFixture();
});

function features(n: number, seedOf: (i: number) => number): Float32Array {
  const F = fx.config.featureDim;
  const out = new Float32Array(n * F);
  for (let i = 0; i < n; i++) out.set(fakeFeature(F, seedOf(i)), i * F);
  return out;
}

describe('weighted caption loss', () => {
  it('is Σ w·(−log p)/N: unit weights change nothing, and its gradient matches a numerical one', () => {
    const params = paramsFromWeights(fx.weights);
    const F = fx.config.featureDim;
    const feats = features(2, (i) => 20 + i);
    const inputs = Int32Array.from([START_ID, 3, 4, END_ID, START_ID, 5, 6, 7]);
    const targets = Int32Array.from([3, 4, END_ID, END_ID, 5, 6, 7, END_ID]);
    const batch = (weights?: Float32Array) => ({ features: tf.tensor2d(feats, [2, F]), inputs, targets, length: 4, weights });
    const loss = (p: typeof params, w?: Float32Array) => tf.tidy(() => captionLoss(p, batch(w)).dataSync()[0]!);
    expect(loss(params, new Float32Array(8).fill(1))).toBeCloseTo(loss(params), 6);
    // Per-position losses from one-hot weights add up to the weighted loss.
    const perPosition = Array.from({ length: 8 }, (_, n) => {
      const w = new Float32Array(8);
      w[n] = 1;
      return loss(params, w);
    });
    const weights = Float32Array.from([0.5, -1.5, 2, 0, 1, 1, -0.25, 3]);
    expect(loss(params, weights)).toBeCloseTo(perPosition.reduce((a, l, n) => a + weights[n]! * l, 0), 5);

    const name = 'lstm/Wh' as const;
    const v = tf.variable(params[name], true, 'wsc-Wh');
    const { grads } = tf.variableGrads(() => captionLoss({ ...params, [name]: v }, batch(weights)), [v]);
    const analytic = grads['wsc-Wh']!.dataSync();
    let idx = 0;
    analytic.forEach((g, k) => (Math.abs(g) > Math.abs(analytic[idx]!) ? (idx = k) : 0));
    const data = params[name].dataSync();
    const at = (delta: number) => {
      const d = Float32Array.from(data);
      d[idx]! += delta;
      return loss({ ...params, [name]: tf.tensor(d, params[name].shape) }, weights);
    };
    const eps = 1e-2;
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    expect(Math.abs(analytic[idx]!)).toBeGreaterThan(1e-4);
    expect(Math.abs(numeric - analytic[idx]!)).toBeLessThan(2e-3 + 0.02 * Math.abs(numeric));
    expect(() => tf.tidy(() => captionLoss(params, batch(new Float32Array(3))))).toThrow(/3 weights for 8 targets/);
  });
});

describe('batched sampling', () => {
  it('is reproducible from its seed and follows p_t', () => {
    const params = paramsFromWeights(fx.weights);
    const F = fx.config.featureDim;
    const n = 3000;
    const one = fakeFeature(F, 7);
    const feats = new Float32Array(n * F);
    for (let i = 0; i < n; i++) feats.set(one, i * F);
    // No tensor outlives a decode (one left per step filled wasm's heap in a long run).
    const tensorsBefore = tf.memory().numTensors;
    const a = batchedSample(params, feats.subarray(0, 20 * F), F, 6, mulberry32(5));
    batchedGreedy(params, feats.subarray(0, 20 * F), F, 6);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(batchedSample(params, feats.subarray(0, 20 * F), F, 6, mulberry32(5))).toEqual(a);
    expect(batchedSample(params, feats.subarray(0, 20 * F), F, 6, mulberry32(6))).not.toEqual(a);
    // The first word's empirical frequencies against the decoder's p₀ (after the image and <start>).
    const firsts = batchedSample(params, feats, F, 1, mulberry32(9)).map((w) => w[0] ?? END_ID);
    const img = fx.tfDecoder.imageStep(one);
    const logits = fx.tfDecoder.step([img.state], [START_ID]).logits[0]!;
    logits[START_ID] = -Infinity;
    logits[2] = -Infinity; // <unk> is masked too
    const max = Math.max(...logits);
    const z = logits.reduce((s, l) => s + Math.exp(l - max), 0);
    const p = Array.from(logits, (l) => Math.exp(l - max) / z);
    const top = p.indexOf(Math.max(...p));
    const freq = firsts.filter((w) => w === top).length / n;
    expect(Math.abs(freq - p[top]!)).toBeLessThan(4 * Math.sqrt((p[top]! * (1 - p[top]!)) / n) + 1e-3);
    expect(firsts.some((w) => w === START_ID || w === 2)).toBe(false);
  });
});

describe('self-critical batch', () => {
  it('packs K scored samples per image; advantages sum to zero per image; padding weighs nothing', () => {
    const params = paramsFromWeights(fx.weights);
    const F = fx.config.featureDim;
    const feats = features(4, (i) => 40 + i);
    const K = 4;
    const reward = (img: number, words: readonly number[]) => img + words.length / 10;
    const b = selfCriticalBatch(params, [2, 0], feats, F, { samples: K, maxLength: 6, random: mulberry32(3), reward });
    expect(b.rows).toBe(2 * K);
    expect(b.feats.subarray(0, F)).toEqual(feats.subarray(2 * F, 3 * F));
    expect(b.feats.subarray(K * F, (K + 1) * F)).toEqual(feats.subarray(0, F));
    const T = b.length;
    const rowWeight = (r: number) => b.weights![r * T]!;
    for (let img = 0; img < 2; img++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += rowWeight(img * K + k);
      expect(Math.abs(sum)).toBeLessThan(1e-5);
    }
    let someNonZero = false;
    for (let r = 0; r < b.rows; r++) {
      expect(b.inputs[r * T]).toBe(START_ID);
      const targets = Array.from(b.targets.subarray(r * T, (r + 1) * T));
      const ended = targets.indexOf(END_ID);
      const used = ended < 0 ? T : ended + 1;
      for (let t = 0; t < T; t++) expect(b.weights![r * T + t]).toBe(t < used ? rowWeight(r) : 0);
      // Teacher forcing on the sample itself: each input is the previous target.
      for (let t = 1; t < used; t++) expect(b.inputs[r * T + t]).toBe(b.targets[r * T + t - 1]);
      // The advantage is the reward minus the mean of the siblings', times the row length.
      const words = targets.slice(0, ended < 0 ? T : ended);
      const img = r < K ? 2 : 0;
      expect(rowWeight(r) / T).toBeCloseTo(reward(img, words) - siblingsMean(b, r, K, img, reward), 5);
      if (rowWeight(r) !== 0) someNonZero = true;
    }
    expect(someNonZero).toBe(true);
    expect(() => selfCriticalBatch(params, [0], feats, F, { samples: 1, maxLength: 6, random: mulberry32(3), reward })).toThrow(/at least 2 samples/);
  });

  it('training on the samples raises the reward (a toy reward: name the right animal)', async () => {
    await useCpu();
    const words = ['<start>', '<end>', '<unk>', 'a', 'dog', 'cat', 'runs', 'sleeps', 'on', 'grass'];
    const vocab = new Vocabulary(words);
    const F = 560;
    const n = 64;
    const random = mulberry32(11);
    const feats = new Float32Array(n * F);
    const isDog = Array.from({ length: n }, () => random() < 0.5);
    isDog.forEach((dog, i) => {
      for (let d = 0; d < F; d++) feats[i * F + d] = (dog ? 1 : -1) * (d % 7 === 0 ? 1 : 0) + (random() - 0.5) * 0.2;
    });
    const config = { vocabSize: vocab.size, embedDim: 16, hiddenDim: 32, featureDim: F };
    const params = paramsFromWeights(initWeights(config, 1), true);
    // 1 when the caption names the image's animal and not the other one.
    const reward = (img: number, w: readonly number[]) => {
      const has = (x: string) => w.includes(vocab.id(x));
      return isDog[img] ? Number(has('dog') && !has('cat')) : Number(has('cat') && !has('dog'));
    };
    const meanGreedyReward = () => batchedGreedy(params, feats, F, 8).reduce((a, w, i) => a + reward(i, w), 0) / n;
    const before = meanGreedyReward();
    const examples: Example[] = isDog.map((_, i) => ({ words: [], image: i }));
    const work = mkdtempSync(path.join(os.tmpdir(), 'scst-'));
    await runTraining({
      label: 'scst',
      params,
      examples,
      features: feats,
      featureDim: F,
      settings: { batchSize: 16, learningRate: 2e-2, lrDecay: 1, dropout: 0, clipNorm: 5, seed: 1, epochs: 12, minutes: 1, checkpointMinutes: 10, evalEvery: 0 },
      checkpointDir: path.join(work, 'ckpt'),
      logger: new Logger(path.join(work, 'log')),
      prepareBatch: (batch, step) => selfCriticalBatch(params, batch.map((e) => e.image), feats, F, { samples: 6, maxLength: 8, random: mulberry32(step), reward }),
    });
    const after = meanGreedyReward();
    expect(before).toBeLessThan(0.5);
    expect(after).toBeGreaterThan(0.9);
  }, 60_000);
});

function siblingsMean(b: { targets: Int32Array; length: number }, r: number, K: number, img: number, reward: (img: number, w: readonly number[]) => number): number {
  const first = Math.floor(r / K) * K;
  let sum = 0;
  for (let k = first; k < first + K; k++) {
    if (k === r) continue;
    const t = Array.from(b.targets.subarray(k * b.length, (k + 1) * b.length));
    const end = t.indexOf(END_ID);
    sum += reward(img, t.slice(0, end < 0 ? b.length : end));
  }
  return sum / (K - 1);
}
