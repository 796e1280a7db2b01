/**
 * `npm run unit-words`: which input words drive each LSTM unit. Runs the shipped decoder teacher-forced
 * over the Flickr8k dev captions and records, for every unit, the input words after which its h (and
 * its c) is highest and lowest on average. The gate view shows these next to a unit's equations.
 *
 *   npm run unit-words [-- --model public/models/flickr8k] [--out FILE] [--min-count 5] [--top 5]
 *                         [--limit IMAGES] [--zero-feature] [--flickr8k DIR] [--work artifacts]
 *
 * Image features come from `npm run features` (artifacts/features/); while that is still running, the
 * part files written so far are used and images without a feature are skipped. With no features at
 * all (or --zero-feature) the image enters as a zero feature, and the file says so.
 * Without the dataset it prints why and exits 0: the page works without the file.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { UnitWordEntry, UnitWordLists, UnitWordsFile } from '../components/views/unit-detail';
import { decoderName } from '../lib/model-files';
import { imageEmbedding, type TfDecoder } from '../model/decoder';
import { FEATURE_DIM } from '../model/encoder';
import { loadCaptioner } from '../model/index';
import { lstmStep } from '../model/lstm';
import { SPECIAL_TOKENS, START_ID, tokenize } from '../model/vocab';
import { dataDirs, flagNumber, flagString, parseFlags, Progress, runIfMain, workDir } from './cli';
import { readFlickr8kCaptions, readSplit } from './data';
import { featurePaths, loadFeatures, readPart } from './features';
import { fsReader } from './node-files';

/** Running sums of h and c per (input word, unit). */
export class UnitWordStats {
  readonly sumH: Float64Array;
  readonly sumC: Float64Array;
  readonly counts: Float64Array;
  tokens = 0;

  constructor(readonly vocabSize: number, readonly hiddenSize: number) {
    this.sumH = new Float64Array(vocabSize * hiddenSize);
    this.sumC = new Float64Array(vocabSize * hiddenSize);
    this.counts = new Float64Array(vocabSize);
  }

  /** One step of a batch: row b of h and c (B × H, row-major) came right after input `inputs[b]`. */
  add(inputs: ArrayLike<number>, h: ArrayLike<number>, c: ArrayLike<number>): void {
    const H = this.hiddenSize;
    for (let b = 0; b < inputs.length; b++) {
      const w = inputs[b]!;
      this.counts[w]! += 1;
      const dst = w * H;
      const src = b * H;
      for (let u = 0; u < H; u++) {
        this.sumH[dst + u]! += h[src + u]!;
        this.sumC[dst + u]! += c[src + u]!;
      }
    }
    this.tokens += inputs.length;
  }

  /**
   * Per unit, the `top` words with the highest and the lowest mean activation, among words seen at
   * least `minCount` times. Special tokens are left out: they mark positions, not content.
   */
  lists(words: readonly string[], which: 'h' | 'c', minCount: number, top: number): UnitWordLists {
    const H = this.hiddenSize;
    const sums = which === 'h' ? this.sumH : this.sumC;
    const eligible: number[] = [];
    for (let w = 0; w < this.vocabSize; w++) if (w >= SPECIAL_TOKENS.length && this.counts[w]! >= minCount) eligible.push(w);
    const round = (v: number) => Math.round(v * 1e4) / 1e4;
    const high: UnitWordEntry[][] = [];
    const low: UnitWordEntry[][] = [];
    for (let u = 0; u < H; u++) {
      const means = eligible.map((w) => ({ w, m: sums[w * H + u]! / this.counts[w]! }));
      // Ties: lower word id (more frequent) first, so the file is deterministic.
      means.sort((a, b) => b.m - a.m || a.w - b.w);
      const entry = ({ w, m }: { w: number; m: number }): UnitWordEntry => [words[w]!, round(m), this.counts[w]!];
      high.push(means.slice(0, top).map(entry));
      low.push(means.slice(-top).reverse().map(entry));
      // reverse() puts the lowest first; with ties, the order stays deterministic.
    }
    return { high, low };
  }
}

export interface ForcedCaption {
  feature: Float32Array;
  /** Word ids without `<start>` / `<end>`. */
  tokens: number[];
}

/**
 * Teacher forcing in batches of captions of equal length (no padding, no masks): the image step,
 * then `<start>`, w₁ … w_L as inputs; after each input, h and c go to `stats`.
 * One tidy scope per step (design.md §4b: the wasm heap is finite).
 */
export function teacherForce(decoder: TfDecoder, captions: readonly ForcedCaption[], stats: UnitWordStats, batchSize = 256, onBatch: (n: number) => void = () => {}): void {
  const p = decoder.params;
  const lstm = { Wx: p['lstm/Wx'] as tf.Tensor2D, Wh: p['lstm/Wh'] as tf.Tensor2D, b: p['lstm/b'] as tf.Tensor1D };
  const H = decoder.hiddenSize;
  const byLength = new Map<number, ForcedCaption[]>();
  for (const c of captions) byLength.set(c.tokens.length, [...(byLength.get(c.tokens.length) ?? []), c]);
  for (const [L, group] of [...byLength].sort((a, b) => a[0] - b[0])) {
    for (let start = 0; start < group.length; start += batchSize) {
      const batch = group.slice(start, start + batchSize);
      const B = batch.length;
      const feats = new Float32Array(B * decoder.config.featureDim);
      batch.forEach((c, b) => feats.set(c.feature, b * decoder.config.featureDim));
      let state = tf.tidy(() => {
        const zero = tf.zeros([B, H]) as tf.Tensor2D;
        const out = lstmStep(lstm, imageEmbedding(p, tf.tensor2d(feats, [B, decoder.config.featureDim])), zero, zero);
        return { h: out.h, c: out.c };
      });
      for (let t = 0; t <= L; t++) {
        const ids = Int32Array.from(batch, (c) => (t === 0 ? START_ID : c.tokens[t - 1]!));
        const prev = state;
        state = tf.tidy(() => {
          const x = tf.gather(p['embedding/We'], tf.tensor1d(ids, 'int32')) as tf.Tensor2D;
          const out = lstmStep(lstm, x, prev.h, prev.c);
          return { h: out.h, c: out.c };
        });
        tf.dispose([prev.h, prev.c]);
        stats.add(ids, state.h.dataSync() as Float32Array, state.c.dataSync() as Float32Array);
      }
      tf.dispose([state.h, state.c]);
      onBatch(B);
    }
  }
}

/** Features for `images`: the merged file if `npm run features` finished, else its part files so far. */
export function availableFeatures(work: string, images: readonly string[]): { features: Map<string, Float32Array>; source: string } {
  const wanted = new Set(images);
  try {
    const all = loadFeatures(work);
    return { features: new Map([...all].filter(([k]) => wanted.has(k))), source: 'features.bin' };
  } catch {
    const out = new Map<string, Float32Array>();
    const { dir } = featurePaths(work);
    for (let w = 0; w < 16; w++) for (const [k, v] of readPart(path.join(dir, `part-${w}.bin`))) if (wanted.has(k)) out.set(k, v);
    return { features: out, source: 'part files of an unfinished `npm run features`' };
  }
}

function defaultModelDir(): string {
  const current = path.resolve('public/models/current.json');
  return path.resolve('public/models', decoderName(JSON.parse(readFileSync(current, 'utf8'))));
}

async function main(): Promise<void> {
  const { flags } = parseFlags();
  const dirs = dataDirs(flags);
  const captionsFile = path.join(dirs.flickr8k, 'captions.txt');
  const devFile = path.join(dirs.flickr8k, 'splits', 'dev.txt');
  if (!existsSync(captionsFile) || !existsSync(devFile)) {
    console.log(`unit-words: skipped — the Flickr8k dataset (captions.txt and splits/dev.txt) is not at ${dirs.flickr8k}; pass --flickr8k DIR. The page shows "not available" without unit-words.json.`);
    return;
  }
  const modelDir = path.resolve(flagString(flags, 'model', defaultModelDir()));
  const out = path.resolve(flagString(flags, 'out', path.join(modelDir, 'unit-words.json')));
  const minCount = flagNumber(flags, 'min-count', 5);
  const top = flagNumber(flags, 'top', 5);
  const limit = flagNumber(flags, 'limit', Infinity);
  const batchSize = flagNumber(flags, 'batch', 256);

  const { initBackend } = await import('./node-backend');
  const backend = await initBackend('wasm');
  const { decoder, vocab, meta } = await loadCaptioner(fsReader(modelDir));
  if (decoder.config.featureDim !== FEATURE_DIM) throw new Error(`the model expects ${decoder.config.featureDim}-d features, the encoder gives ${FEATURE_DIM}`);
  const images = readSplit(dirs.flickr8k, 'dev').slice(0, limit);
  const raw = readFlickr8kCaptions(dirs.flickr8k);

  let featureNote: string;
  let featureOf: (img: string) => Float32Array | undefined;
  const zero = new Float32Array(FEATURE_DIM);
  if (flags['zero-feature']) {
    featureOf = () => zero;
    featureNote = 'zero';
  } else {
    const { features, source } = availableFeatures(workDir(flags), images);
    if (features.size === 0) {
      console.log('unit-words: no image features found (run `npm run features`); the image enters as a zero feature.');
      featureOf = () => zero;
      featureNote = 'zero';
    } else {
      console.log(`unit-words: features for ${features.size} of ${images.length} dev images from ${source}; images without one are skipped.`);
      featureOf = (img) => features.get(img);
      featureNote = 'centernet';
    }
  }

  const captions: ForcedCaption[] = [];
  let skipped = 0;
  for (const img of images) {
    const feature = featureOf(img);
    if (!feature) {
      skipped++;
      continue;
    }
    for (const text of raw.get(img) ?? []) {
      const words = tokenize(text);
      if (words.length > 0) captions.push({ feature, tokens: vocab.encode(words) });
    }
  }
  const name = typeof meta['name'] === 'string' ? meta['name'] : path.basename(modelDir);
  console.log(`unit-words: model ${name} (H = ${decoder.hiddenSize}, ${vocab.size} words, backend ${backend}); ${captions.length} dev captions from ${images.length - skipped} images${skipped ? ` (${skipped} skipped: no feature)` : ''}`);

  const stats = new UnitWordStats(vocab.size, decoder.hiddenSize);
  const progress = new Progress('unit-words', captions.length);
  const t0 = performance.now();
  teacherForce(decoder, captions, stats, batchSize, (n) => progress.tick(n));
  const seconds = (performance.now() - t0) / 1000;

  const file: UnitWordsFile = {
    format: 'show-and-tell-unit-words',
    version: 1,
    model: name,
    hiddenSize: decoder.hiddenSize,
    split: 'dev',
    captions: captions.length,
    tokens: stats.tokens,
    feature: featureNote,
    minCount,
    top,
    note: 'For each unit: the input words after which its h (or c) is highest / lowest on average, teacher-forced over Flickr8k dev captions. Written by `npm run unit-words`.',
    h: stats.lists(vocab.words, 'h', minCount, top),
    c: stats.lists(vocab.words, 'c', minCount, top),
  };
  writeFileSync(out, JSON.stringify(file));
  console.log(`unit-words: ${stats.tokens} token steps in ${seconds.toFixed(1)} s; wrote ${out}`);
  decoder.dispose();
}

runIfMain(import.meta.url, main);
