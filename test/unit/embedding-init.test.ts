import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { paramsFromWeights, TfDecoder } from '../../src/model/decoder';
import { mulberry32 } from '../../src/model/prng';
import { greedy } from '../../src/model/search';
import { initWeights, WEIGHT_NAMES } from '../../src/model/weights';
import { Logger } from '../../src/train/cli';
import { foldEmbeddings, solveSymmetric } from '../../src/train/embedding-init';
import { runTraining, type Example } from '../../src/train/trainer';
import { maxAbsDiff, useCpu } from './helpers';

const config = { vocabSize: 40, embedDim: 6, hiddenDim: 8, featureDim: 560 };

function randomMatrix(n: number, m: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: n * m }, () => random() * 2 - 1);
}

describe('embedding-init', () => {
  it('solves symmetric positive definite systems', () => {
    const A0 = randomMatrix(5, 5, 1);
    const A = new Float64Array(25);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 5; k++) A[i * 5 + j]! += A0[k * 5 + i]! * A0[k * 5 + j]!; // AᵀA: positive definite
    const B = randomMatrix(5, 3, 2);
    const X = solveSymmetric(A, B, 5, 3);
    for (let i = 0; i < 5; i++) for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 5; k++) s += A[i * 5 + k]! * X[k * 3 + c]!;
      expect(s).toBeCloseTo(B[i * 3 + c]!, 8);
    }
    expect(() => solveSymmetric(new Float64Array(4), new Float64Array(2), 2, 1)).toThrow(/positive definite/);
  });

  it('when the new vectors are a linear map of W_e, the folded model decodes exactly as before', async () => {
    await useCpu();
    const w = initWeights(config, 3);
    // Make the model non-trivial: larger weights than the initialisation's.
    for (const n of WEIGHT_NAMES) w[n] = { shape: w[n].shape, data: w[n].data.map((v) => v * 4) };
    const E = config.embedDim;
    const A = randomMatrix(E, E, 4); // vectors = W_e · A, so S·A⁻¹ = W_e exactly
    const vectors = new Float32Array(config.vocabSize * E);
    for (let v = 0; v < config.vocabSize; v++) for (let j = 0; j < E; j++) for (let k = 0; k < E; k++) vectors[v * E + j]! += w['embedding/We'].data[v * E + k]! * A[k * E + j]!;
    // Special rows get unrelated vectors: they must keep their own row, mapped.
    for (let j = 0; j < 3 * E; j++) vectors[j] = 0;
    const fold = foldEmbeddings(w, vectors, [0, 1, 2], () => 1, 0, 0);
    expect(fold.residual).toBeLessThan(1e-8);
    // W_e becomes the vectors, rescaled by one factor to W_e's size.
    const newWe = fold.weights['embedding/We'].data;
    const norm = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0));
    const scale = norm(newWe.subarray(3 * E)) / norm(vectors.subarray(3 * E));
    expect(scale).toBeCloseTo(norm(w['embedding/We'].data.subarray(3 * E)) / norm(vectors.subarray(3 * E)), 5);
    expect(maxAbsDiff(newWe.subarray(3 * E), vectors.subarray(3 * E).map((v) => v * scale))).toBeLessThan(1e-5);
    const before = TfDecoder.fromWeights(config, w);
    const after = TfDecoder.fromWeights(config, fold.weights);
    const random = mulberry32(5);
    for (let trial = 0; trial < 3; trial++) {
      const feature = Float32Array.from({ length: 560 }, () => random() * 2 - 1);
      const a = greedy(before, feature, { maxLength: 8 });
      const b = greedy(after, feature, { maxLength: 8 });
      expect(b.tokens).toEqual(a.tokens);
      expect(b.logp).toBeCloseTo(a.logp, 3);
    }
    before.dispose();
    after.dispose();
  });

  it('a badly conditioned map does not blow up the image input: the ridge inverse keeps W_I of ordinary size', () => {
    const w = initWeights(config, 8);
    const E = config.embedDim;
    // One dimension of the vectors is noise that carries almost nothing of W_e (as skip-gram
    // dimensions that predict nothing of it do): M gets a tiny singular value.
    const V = config.vocabSize;
    const We = w['embedding/We'].data;
    const A = randomMatrix(E, E, 9);
    const vectors = new Float32Array(V * E);
    for (let v = 0; v < V; v++) for (let j = 1; j < E; j++) for (let k = 0; k < E; k++) vectors[v * E + j]! += We[v * E + k]! * A[k * E + j]!;
    // The noise column, made orthogonal to W_e's columns (over the fitted rows), plus a trace of one of them.
    const noise = Array.from(randomMatrix(V, 1, 10));
    for (let pass = 0; pass < 2; pass++) for (let k = 0; k < E; k++) {
      let dot = 0;
      let sq = 0;
      for (let v = 3; v < V; v++) (dot += noise[v]! * We[v * E + k]!), (sq += We[v * E + k]! ** 2);
      for (let v = 3; v < V; v++) noise[v]! -= (dot / sq) * We[v * E + k]!;
    }
    for (let v = 0; v < V; v++) vectors[v * E] = noise[v]! * 0.1 + 1e-6 * We[v * E]!;
    const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
    const exact = foldEmbeddings(w, vectors, [0, 1, 2], () => 1, 0, 0);
    const ridged = foldEmbeddings(w, vectors, [0, 1, 2], () => 1, 0, 1e-2);
    expect(rms(exact.weights['image/Wi'].data)).toBeGreaterThan(10 * rms(w['image/Wi'].data));
    expect(rms(ridged.weights['image/Wi'].data)).toBeLessThan(2 * rms(w['image/Wi'].data));
    expect(rms(ridged.weights['embedding/We'].data.subarray(0, 3 * E))).toBeLessThan(2 * rms(w['embedding/We'].data));
  });

  it('a frozen weight keeps its value while the others train, and resuming keeps it frozen', async () => {
    await useCpu();
    const random = mulberry32(6);
    const features = Float32Array.from({ length: 32 * 560 }, () => random() - 0.5);
    const examples: Example[] = Array.from({ length: 32 }, (_, i) => ({ words: [3 + (i % 5), 4 + (i % 7)], image: i }));
    const start = initWeights(config, 7);
    const params = paramsFromWeights(start, true);
    const work = mkdtempSync(path.join(os.tmpdir(), 'frozen-'));
    const settings = { batchSize: 8, learningRate: 1e-2, lrDecay: 1, dropout: 0, clipNorm: 5, seed: 1, epochs: 2, minutes: 10, checkpointMinutes: 100, evalEvery: 0, frozen: ['embedding/We' as const] };
    const logger = new Logger(path.join(work, 'log'));
    await runTraining({ label: 'f', params, examples, features, featureDim: 560, settings: { ...settings, epochs: 1 }, checkpointDir: path.join(work, 'c'), logger });
    await runTraining({ label: 'f', params, examples, features, featureDim: 560, settings, checkpointDir: path.join(work, 'c'), logger });
    expect(maxAbsDiff(params['embedding/We'].dataSync(), start['embedding/We'].data)).toBe(0);
    expect(maxAbsDiff(params['lstm/Wx'].dataSync(), start['lstm/Wx'].data)).toBeGreaterThan(1e-3);
  }, 60_000);
});
