/**
 * Word2vec's skip-gram with negative sampling (Mikolov et al. 2013), in plain typed arrays.
 *
 * Why it is here: issue #7 asks for pony and donkey near horse in the captioner's W_e. The W_e the
 * captioner learned itself (a third of an epoch of text pre-training, then Flickr8k) puts them
 * hundreds of ranks apart; skip-gram on the same caption text, trained for many epochs, puts them
 * in horse's top ten (`npm run embedding-probe`), and `npm run embedding-init` can make those
 * vectors a decoder's W_e (measured in the model card; not shipped, because captions got worse).
 */
import { mulberry32 } from '../model/prng';

export interface SkipgramSettings {
  dim: number;
  /** Largest context distance; each centre word draws its window from 1..window, as word2vec does. */
  window: number;
  negatives: number;
  epochs: number;
  learningRate: number;
  /** Sub-sampling threshold for frequent words (word2vec's -sample). */
  sample: number;
  seed: number;
}

export const DEFAULT_SKIPGRAM: SkipgramSettings = { dim: 100, window: 4, negatives: 5, epochs: 15, learningRate: 0.025, sample: 1e-4, seed: 1 };

/**
 * Trains on sentences of word ids in [0, vocabSize) and returns the input vectors [vocabSize × dim].
 * `onEpoch` reports progress.
 */
export function trainSkipgram(sentences: readonly (readonly number[])[], vocabSize: number, s: SkipgramSettings, onEpoch?: (epoch: number) => void): Float32Array {
  const random = mulberry32(s.seed);
  const D = s.dim;
  const counts = new Float64Array(vocabSize);
  for (const sentence of sentences) for (const w of sentence) counts[w]! += 1;
  const total = counts.reduce((a, b) => a + b, 0);
  // Negatives are drawn from the unigram distribution to the 3/4 power, through a table as in word2vec.
  const table = new Int32Array(1 << 20);
  let z = 0;
  for (let v = 0; v < vocabSize; v++) z += counts[v]! ** 0.75;
  let v = 0;
  let cumulative = counts[0]! ** 0.75 / z;
  for (let k = 0; k < table.length; k++) {
    while (k / table.length > cumulative && v < vocabSize - 1) cumulative += counts[++v]! ** 0.75 / z;
    table[k] = v;
  }
  const keepProbability = Float64Array.from(counts, (c) => {
    const f = c / total;
    return f > 0 ? Math.min(1, Math.sqrt(s.sample / f) + s.sample / f) : 0;
  });
  const input = Float32Array.from({ length: vocabSize * D }, () => (random() - 0.5) / D);
  const output = new Float32Array(vocabSize * D);
  const grad = new Float32Array(D);
  const steps = s.epochs * sentences.length;
  let step = 0;
  for (let epoch = 0; epoch < s.epochs; epoch++) {
    for (const sentence of sentences) {
      const lr = s.learningRate * Math.max(1e-4, 1 - step++ / steps);
      const kept = sentence.filter((w) => random() < keepProbability[w]!);
      for (let i = 0; i < kept.length; i++) {
        const centre = kept[i]! * D;
        const reach = 1 + Math.floor(random() * s.window);
        for (let j = Math.max(0, i - reach); j <= Math.min(kept.length - 1, i + reach); j++) {
          if (j === i) continue;
          const context = kept[j]!;
          grad.fill(0);
          for (let k = 0; k <= s.negatives; k++) {
            const target = k === 0 ? context : table[Math.floor(random() * table.length)]!;
            if (k > 0 && target === context) continue;
            const t = target * D;
            let dot = 0;
            for (let d = 0; d < D; d++) dot += input[centre + d]! * output[t + d]!;
            const g = ((k === 0 ? 1 : 0) - 1 / (1 + Math.exp(-dot))) * lr;
            for (let d = 0; d < D; d++) {
              grad[d]! += g * output[t + d]!;
              output[t + d]! += g * input[centre + d]!;
            }
          }
          for (let d = 0; d < D; d++) input[centre + d]! += grad[d]!;
        }
      }
    }
    onEpoch?.(epoch + 1);
  }
  return input;
}
