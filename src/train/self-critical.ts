/**
 * Self-critical sequence training (Rennie et al., CVPR 2017) in the variant whose baseline is the mean
 * reward of the image's other samples (Luo, "A better variant of self-critical sequence training",
 * 2020): for every image, sample K captions from the model, score each with CIDEr-D against that
 * image's references, and train on the samples with weight (reward − mean of the other K − 1 rewards).
 *
 * Why: maximum likelihood teaches the next word given the *reference* prefix, while decoding feeds the
 * model its own words and is judged by caption metrics. Training on the model's own samples, weighted
 * by how much better than its siblings each one scores, optimises the judged quantity directly.
 */
import type { DecoderParams } from '../model/decoder';
import { batchedSample } from '../model/batched-decode';
import type { Random } from '../model/prng';
import { END_ID, START_ID } from '../model/vocab';
import type { PackedBatch } from './trainer';

/**
 * The longest sampled caption, in words. A batch costs as much as its longest sample times its rows
 * (the rest is padding), and the model's own captions are far shorter (9.4 words on average on dev
 * at beam 3); a sample cut here is scored as it stands and gets no `<end>` target.
 */
export const SAMPLE_MAX_WORDS = 16;

export interface SelfCriticalOptions {
  /** Samples per image (K ≥ 2: the baseline needs siblings). */
  samples: number;
  /** Longest sampled caption, in words (decoding allows 20). */
  maxLength: number;
  random: Random;
  /** CIDEr-D (or any score) of a sampled caption, as word ids without `<end>`, for feature row `image`. */
  reward: (image: number, words: readonly number[]) => number;
}

export interface SelfCriticalBatch extends PackedBatch {
  /** Mean reward of the samples, for the progress line. */
  meanReward: number;
}

/**
 * Samples, scores and packs one batch. Each sample becomes a teacher-forced row (padded to the longest
 * sample, padding weighted 0) whose targets carry the sample's advantage times the row length, so that
 * the trainer's mean over positions is the mean over samples of advantage · log p(sample).
 */
export function selfCriticalBatch(params: DecoderParams, images: readonly number[], features: Float32Array, featureDim: number, o: SelfCriticalOptions): SelfCriticalBatch {
  const K = o.samples;
  if (K < 2) throw new Error(`self-critical training needs at least 2 samples per image, got ${K}`);
  const rows = images.length * K;
  const feats = new Float32Array(rows * featureDim);
  images.forEach((img, i) => {
    const f = features.subarray(img * featureDim, (img + 1) * featureDim);
    for (let k = 0; k < K; k++) feats.set(f, (i * K + k) * featureDim);
  });
  const samples = batchedSample(params, feats, featureDim, o.maxLength, o.random);
  const rewards = samples.map((words, r) => o.reward(images[Math.floor(r / K)]!, words));
  // A sample shorter than the limit ended with `<end>`, which is then one of its targets.
  const targetCount = samples.map((w) => (w.length < o.maxLength ? w.length + 1 : w.length));
  const T = Math.max(1, ...targetCount);
  const inputs = new Int32Array(rows * T).fill(END_ID);
  const targets = new Int32Array(rows * T).fill(END_ID);
  const weights = new Float32Array(rows * T);
  samples.forEach((words, r) => {
    const first = Math.floor(r / K) * K;
    let siblings = 0;
    for (let k = first; k < first + K; k++) if (k !== r) siblings += rewards[k]!;
    const advantage = rewards[r]! - siblings / (K - 1);
    inputs[r * T] = START_ID;
    words.forEach((w, t) => {
      targets[r * T + t] = w;
      if (t + 1 < T) inputs[r * T + t + 1] = w;
    });
    for (let t = 0; t < targetCount[r]!; t++) weights[r * T + t] = advantage * T;
  });
  return { inputs, targets, feats, weights, rows, length: T, meanReward: rewards.reduce((a, b) => a + b, 0) / rows };
}
