/**
 * `npm run embedding-init -- --from DIR --vectors FILE --out DIR`: gives a trained captioner new
 * word embeddings (skip-gram vectors from `npm run embedding-probe -- --out FILE`) without
 * changing what it computes, as far as a linear map allows.
 *
 * Why: issue #7's claim (horse, pony and donkey close in W_e) does not hold for W_e learned by the
 * captioner, but does for skip-gram trained on the same caption text. The LSTM reads an embedding
 * only through x·W_x, so with M fitted so that S·M ≈ W_e (least squares over the vocabulary),
 * W_e := S and W_x := M·W_x give nearly the same gates; the image enters through the same W_x, so
 * W_I := W_I·P and b_I := b_I·P, with P a (ridge) inverse of M, keep it nearly as it was.
 * `<start>`, `<end>` and `<unk>` have no skip-gram vector; their rows become W_e·P. Fine-tuning
 * with W_e frozen (`npm run train -- --init OUT --freeze embedding/We`) then recovers what the fit
 * lost. MODEL_CARD.md ("Word embeddings") has what that gave.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SPECIAL_TOKENS, Vocabulary } from '../model/vocab';
import { loadWeights, type WeightSet } from '../model/weights';
import { flagNumber, flagString, parseFlags, runIfMain, workDir } from './cli';
import { fsReader, writeModelDir } from './node-files';

/** Solves (A + λI)·X = B for symmetric positive definite A [n×n], B [n×m], by Cholesky. */
export function solveSymmetric(A: Float64Array, B: Float64Array, n: number, m: number, ridge = 0): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]! + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (s <= 0) throw new Error(`matrix is not positive definite at row ${i}`);
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j]!;
    }
  }
  const X = Float64Array.from(B);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = X[i * m + c]!;
      for (let k = 0; k < i; k++) s -= L[i * n + k]! * X[k * m + c]!;
      X[i * m + c] = s / L[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = X[i * m + c]!;
      for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * X[k * m + c]!;
      X[i * m + c] = s / L[i * n + i]!;
    }
  }
  return X;
}

function trace(A: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += A[i * n + i]!;
  return t;
}

function transpose(A: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = A[i * c + j]!;
  return out;
}

/** [r×n]·[n×c] in float64. */
function matmul(A: ArrayLike<number>, B: ArrayLike<number>, r: number, n: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let k = 0; k < n; k++) {
    const a = A[i * n + k]!;
    if (a === 0) continue;
    for (let j = 0; j < c; j++) out[i * c + j]! += a * B[k * c + j]!;
  }
  return out;
}

export interface EmbeddingFold {
  weights: WeightSet;
  /** Share of W_e's (row-weighted) sum of squares that S·M leaves unexplained, over the fitted rows. */
  residual: number;
}

/**
 * Replaces W_e by `vectors` [V×E], rescaled to W_e's norm (rows in `keepRows` keep their own row,
 * mapped by P), and folds the fitted map into W_x, W_I and b_I. `rowWeight` weighs each word in the
 * fit (say, by frequency); `ridge` regularises M, `inverseRidge` its inverse P (0, 0: exact).
 */
export function foldEmbeddings(w: WeightSet, vectors: Float32Array, keepRows: readonly number[], rowWeight: (row: number) => number, ridge = 1e-3, inverseRidge = 1e-2): EmbeddingFold {
  const [V, E] = w['embedding/We'].shape as [number, number];
  if (vectors.length !== V * E) throw new Error(`vectors hold ${vectors.length} numbers, W_e needs ${V}×${E}`);
  const We = w['embedding/We'].data;
  const keep = new Set(keepRows);
  // Scaled to W_e's size (cosine neighbours do not change), so neither M nor its inverse has to
  // carry a scale factor into W_x and W_I.
  let sumS = 0;
  let sumW = 0;
  for (let v = 0; v < V; v++) {
    if (keep.has(v)) continue;
    for (let j = 0; j < E; j++) {
      sumS += vectors[v * E + j]! ** 2;
      sumW += We[v * E + j]! ** 2;
    }
  }
  const S = vectors.map((x) => x * Math.sqrt(sumW / sumS));
  // Normal equations of the weighted fit: (SᵀDS)·M = SᵀDW.
  const StS = new Float64Array(E * E);
  const StW = new Float64Array(E * E);
  let total = 0;
  for (let v = 0; v < V; v++) {
    if (keep.has(v)) continue;
    const d = rowWeight(v);
    for (let i = 0; i < E; i++) {
      const s = S[v * E + i]! * d;
      if (s === 0) continue;
      for (let j = 0; j < E; j++) {
        StS[i * E + j]! += s * S[v * E + j]!;
        StW[i * E + j]! += s * We[v * E + j]!;
      }
    }
    for (let j = 0; j < E; j++) total += d * We[v * E + j]! ** 2;
  }
  const M = solveSymmetric(StS, StW, E, E, (ridge * trace(StS, E)) / E);
  // M is badly conditioned (skip-gram dimensions that predict nothing of W_e get tiny singular
  // values), so its exact inverse would give the image and `<start>` huge inputs that the smallest
  // update of W_x then swings. A ridge inverse, P = (MᵀM + μI)⁻¹Mᵀ, maps them back nearly as well
  // with inputs of ordinary size.
  const MtM = matmul(transpose(M, E, E), M, E, E, E);
  const P = solveSymmetric(MtM, transpose(M, E, E), E, E, (inverseRidge * trace(MtM, E)) / E);

  let unexplained = 0;
  for (let v = 0; v < V; v++) {
    if (keep.has(v)) continue;
    const fit = matmul(S.subarray(v * E, (v + 1) * E), M, 1, E, E);
    for (let j = 0; j < E; j++) unexplained += rowWeight(v) * (fit[j]! - We[v * E + j]!) ** 2;
  }

  const newWe = Float32Array.from(S);
  for (const v of keep) newWe.set(Float32Array.from(matmul(We.subarray(v * E, (v + 1) * E), P, 1, E, E)), v * E);
  const Wx = w['lstm/Wx'];
  const Wi = w['image/Wi'];
  const F = Wi.shape[0]!;
  const G = Wx.shape[1]!;
  return {
    weights: {
      ...w,
      'embedding/We': { shape: [V, E], data: newWe },
      'lstm/Wx': { shape: [E, G], data: Float32Array.from(matmul(M, Wx.data, E, E, G)) },
      'image/Wi': { shape: [F, E], data: Float32Array.from(matmul(Wi.data, P, F, E, E)) },
      'image/bi': { shape: [E], data: Float32Array.from(matmul(w['image/bi'].data, P, 1, E, E)) },
    },
    residual: unexplained / total,
  };
}

async function main() {
  const { flags } = parseFlags();
  const work = workDir(flags);
  const from = flagString(flags, 'from', path.join(work, 'train', 'best'));
  const vectorsFile = flagString(flags, 'vectors', path.join(work, 'skipgram', 'vectors'));
  const out = flagString(flags, 'out', path.join(work, 'skipgram-init'));
  const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(from, 'vocab.json'), 'utf8')));
  const { config, weights, modelJson } = await loadWeights(fsReader(from));
  const info = JSON.parse(readFileSync(`${vectorsFile}.json`, 'utf8')) as { settings: { dim: number }; vocabSize: number; sentences: number; seconds: number };
  if (info.vocabSize !== vocab.size || info.settings.dim !== config.embedDim) throw new Error(`${vectorsFile}: ${info.vocabSize} words × ${info.settings.dim} dimensions, the model needs ${vocab.size} × ${config.embedDim}`);
  const raw = readFileSync(`${vectorsFile}.bin`);
  const vectors = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  // Frequent words weigh more in the fit (they are most of what the LSTM reads), but only by log count,
  // so the thousands of rare words still shape M.
  const rowWeight = (v: number) => Math.log1p(vocab.counts[v] ?? 1);
  const inverseRidge = flagNumber(flags, 'inverse-ridge', 1e-2);
  const fold = foldEmbeddings(weights, vectors, SPECIAL_TOKENS.map((t) => vocab.id(t)), rowWeight, 1e-3, inverseRidge);
  // The record export follows back to the run these weights came from (see trainingRecord).
  const meta = { stage: 'embedding-init', from, vectors: vectorsFile, skipgram: info, residual: fold.residual, inverseRidge, featureNorm: modelJson.meta?.['featureNorm'] };
  writeModelDir(out, config, fold.weights, vocab, { meta });
  console.log(`embedding-init: W_e from ${vectorsFile}; the linear fit leaves ${(100 * fold.residual).toFixed(1)} % of W_e's weighted sum of squares unexplained; weights in ${out}`);
}

runIfMain(import.meta.url, main);
