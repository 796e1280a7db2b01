import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { paramsFromWeights, TfDecoder, weightsFromParams } from '../../src/model/decoder';
import { loadCaptioner } from '../../src/model/index';
import { mulberry32 } from '../../src/model/prng';
import { beamSearch, greedy } from '../../src/model/search';
import { Vocabulary } from '../../src/model/vocab';
import { initWeights, WEIGHT_NAMES } from '../../src/model/weights';
import { Logger } from '../../src/train/cli';
import { foldFeatureNorm } from '../../src/train/export';
import { fsReader, writeModelDir } from '../../src/train/node-files';
import { makeBatches, runTraining, type Example } from '../../src/train/trainer';
import { featureNorm, normalise } from '../../src/train/train';
import { maxAbsDiff, useCpu } from './helpers';

const WORDS = ['<start>', '<end>', '<unk>', 'a', 'dog', 'cat', 'runs', 'sleeps', 'on', 'the', 'grass', 'sofa', 'beach', 'brown', 'black'];
const F = 560;

/** A few hundred synthetic captions whose subject depends on the image feature, so images matter. */
function syntheticData(n: number, seed: number) {
  const random = mulberry32(seed);
  const vocab = new Vocabulary(WORDS);
  const pick = <T,>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const features = new Float32Array(n * F);
  const examples: Example[] = [];
  for (let i = 0; i < n; i++) {
    const isDog = random() < 0.5;
    for (let d = 0; d < F; d++) features[i * F + d] = (isDog ? 1 : -1) * (d % 7 === 0 ? 1 : 0) + (random() - 0.5) * 0.2;
    const words = ['a', pick(['brown', 'black']), isDog ? 'dog' : 'cat', isDog ? 'runs' : 'sleeps', 'on', 'the', isDog ? pick(['grass', 'beach']) : 'sofa'];
    examples.push({ words: vocab.encode(words), image: i });
  }
  return { vocab, features, examples };
}

describe('training', () => {
  it('batches group equal lengths and are reproducible per seed and epoch', () => {
    const ex: Example[] = Array.from({ length: 50 }, (_, i) => ({ words: Array(1 + (i % 4)).fill(3), image: i }));
    const a = makeBatches(ex, 8, 1, 0);
    expect(a.every((b) => b.every((e) => e.words.length === b[0]!.words.length))).toBe(true);
    expect(a.flat().length).toBe(50);
    expect(makeBatches(ex, 8, 1, 0)).toEqual(a);
    expect(makeBatches(ex, 8, 1, 1)).not.toEqual(a);
  });

  it('a smoke training on a few hundred captions makes the loss fall and learns the image', async () => {
    await useCpu();
    const { vocab, features, examples } = syntheticData(300, 3);
    const config = { vocabSize: vocab.size, embedDim: 16, hiddenDim: 32, featureDim: F };
    const params = paramsFromWeights(initWeights(config, 1), true);
    const work = mkdtempSync(path.join(os.tmpdir(), 'smoke-'));
    const state = await runTraining({
      label: 'smoke',
      params,
      examples,
      features,
      featureDim: F,
      settings: { batchSize: 32, learningRate: 1e-2, lrDecay: 1, dropout: 0, clipNorm: 5, seed: 1, epochs: 6, minutes: 1, checkpointMinutes: 10, evalEvery: 0 },
      checkpointDir: path.join(work, 'ckpt'),
      logger: new Logger(path.join(work, 'smoke.log')),
    });
    expect(state.step).toBe(60);
    // Loss per batch, from the log's history is too coarse here: measure before/after directly.
    const decoder = new TfDecoder(params, config);
    const dog = greedy(decoder, features.slice(0, F), { maxLength: 10 });
    const firstCat = examples.findIndex((e) => e.words[2] === vocab.id('cat'));
    const cat = greedy(decoder, features.slice(firstCat * F, (firstCat + 1) * F), { maxLength: 10 });
    const words = (t: typeof dog) => vocab.decode(t.tokens);
    expect(words(dog)).toContain(examples[0]!.words[2] === vocab.id('dog') ? 'dog' : 'cat');
    expect(words(cat)).toContain('cat');
    expect(words(cat)).toContain('sofa');
    expect(dog.logp / dog.steps.length).toBeGreaterThan(-0.7); // near-deterministic grammar: low per-word loss
    // A fresh model is near uniform: about log(1/12) per word.
    const fresh = TfDecoder.fromWeights(config, initWeights(config, 1));
    const before = greedy(fresh, features.slice(0, F), { maxLength: 10, prefix: dog.steps.map((s) => s.chosen) });
    expect(before.logp / before.steps.length).toBeLessThan(-2);
    fresh.dispose();
  }, 60_000);

  it('resumes from a checkpoint exactly where it stopped', async () => {
    await useCpu();
    const { vocab, features, examples } = syntheticData(64, 4);
    const config = { vocabSize: vocab.size, embedDim: 8, hiddenDim: 8, featureDim: F };
    const settings = { batchSize: 16, learningRate: 1e-2, lrDecay: 1, dropout: 0, clipNorm: 5, seed: 2, epochs: 2, minutes: 10, checkpointMinutes: 100, evalEvery: 0 };
    const work = mkdtempSync(path.join(os.tmpdir(), 'resume-'));
    const logger = new Logger(path.join(work, 'log'));
    const straight = paramsFromWeights(initWeights(config, 1), true);
    await runTraining({ label: 'a', params: straight, examples, features, featureDim: F, settings, checkpointDir: path.join(work, 'a'), logger });
    // Same run in two halves: one epoch, then resume for the second.
    const halves = paramsFromWeights(initWeights(config, 1), true);
    await runTraining({ label: 'b', params: halves, examples, features, featureDim: F, settings: { ...settings, epochs: 1 }, checkpointDir: path.join(work, 'b'), logger });
    const resumed = paramsFromWeights(initWeights(config, 99), true); // different init: the checkpoint must overwrite it
    const state = await runTraining({ label: 'b', params: resumed, examples, features, featureDim: F, settings, checkpointDir: path.join(work, 'b'), logger });
    expect(state.epoch).toBe(2);
    for (const n of WEIGHT_NAMES) expect(maxAbsDiff(resumed[n].dataSync(), straight[n].dataSync())).toBeLessThan(1e-5);
    expect(readFileSync(path.join(work, 'log'), 'utf8')).toMatch(/resumed/);
  }, 60_000);

  it('a moving average of the weights is what evaluation sees; training and resuming are unaffected', async () => {
    await useCpu();
    const { vocab, features, examples } = syntheticData(64, 8);
    const config = { vocabSize: vocab.size, embedDim: 8, hiddenDim: 8, featureDim: F };
    const settings = { batchSize: 16, learningRate: 1e-2, lrDecay: 1, dropout: 0, clipNorm: 5, seed: 2, epochs: 2, minutes: 10, checkpointMinutes: 100, evalEvery: 0 };
    const work = mkdtempSync(path.join(os.tmpdir(), 'average-'));
    const logger = new Logger(path.join(work, 'log'));
    const start = initWeights(config, 1)['lstm/Wh'].data;
    const run = async (label: string, averageDecay: number | undefined, epochs = 2, seen: Float32Array[] = []) => {
      const params = paramsFromWeights(initWeights(config, 1), true);
      const evaluate = () => {
        seen.push(Float32Array.from(params['lstm/Wh'].dataSync()));
        return { score: seen.length, metrics: {} };
      };
      await runTraining({ label, params, examples, features, featureDim: F, settings: { ...settings, epochs, averageDecay }, checkpointDir: path.join(work, label), logger, evaluate });
      return { raw: Float32Array.from(params['lstm/Wh'].dataSync()), seen };
    };
    const plain = await run('plain', undefined);
    const averaged = await run('avg', 0.9);
    // Training itself follows the raw weights: the average only changes what evaluation sees.
    expect(maxAbsDiff(averaged.raw, plain.raw)).toBeLessThan(1e-6);
    expect(maxAbsDiff(plain.seen[1]!, plain.raw)).toBe(0);
    const evaluated = averaged.seen[1]!;
    expect(maxAbsDiff(evaluated, averaged.raw)).toBeGreaterThan(1e-4);
    // The average lags: it is nearer the start than the raw weights are.
    expect(maxAbsDiff(evaluated, start)).toBeLessThan(maxAbsDiff(averaged.raw, start));
    // Resuming restores the average from the checkpoint: two halves evaluate what one run did.
    const halves: Float32Array[] = [];
    await run('halves', 0.9, 1, halves);
    await run('halves', 0.9, 2, halves);
    expect(maxAbsDiff(halves.at(-1)!, evaluated)).toBeLessThan(1e-5);
  }, 60_000);

  it('a fine-tuning run evaluates its starting weights first; a time-budget stop evaluates the steps since the last evaluation', async () => {
    await useCpu();
    const { vocab, features, examples } = syntheticData(64, 8);
    const config = { vocabSize: vocab.size, embedDim: 8, hiddenDim: 8, featureDim: F };
    // minutes 0: the budget is spent after the first step; evalEvery 100 is never reached on its own.
    const settings = { batchSize: 16, learningRate: 1e-2, lrDecay: 1, dropout: 0, clipNorm: 5, seed: 2, epochs: 2, minutes: 0, checkpointMinutes: 100, evalEvery: 100 };
    const work = mkdtempSync(path.join(os.tmpdir(), 'eval-start-'));
    const params = paramsFromWeights(initWeights(config, 1), true);
    const start = Float32Array.from(params['lstm/Wh'].dataSync());
    const seen: Float32Array[] = [];
    const kept: number[] = [];
    const evaluate = () => {
      seen.push(Float32Array.from(params['lstm/Wh'].dataSync()));
      // The start scores best, so fine-tuning that does not help keeps the starting weights.
      return { score: seen.length === 1 ? 1 : 0, metrics: {} };
    };
    const state = await runTraining({ label: 'ft', params, examples, features, featureDim: F, settings, checkpointDir: path.join(work, 'ft'), logger: new Logger(path.join(work, 'log')), evaluate, evaluateStart: true, onBest: (s) => kept.push(s.step) });
    expect(state.step).toBe(1);
    expect(state.history.map((h) => h.step)).toEqual([0, 1]);
    expect(maxAbsDiff(seen[0]!, start)).toBe(0);
    expect(maxAbsDiff(seen[1]!, start)).toBeGreaterThan(0);
    expect(kept).toEqual([0]);
    expect(state.best).toEqual({ score: 1, step: 0 });
  }, 60_000);

  it('--max-steps stops at that step with a checkpoint, for equal-budget comparisons', async () => {
    await useCpu();
    const { vocab, features, examples } = syntheticData(64, 9);
    const config = { vocabSize: vocab.size, embedDim: 8, hiddenDim: 8, featureDim: F };
    const work = mkdtempSync(path.join(os.tmpdir(), 'max-steps-'));
    const settings = { batchSize: 16, learningRate: 1e-2, lrDecay: 1, dropout: 0, clipNorm: 5, seed: 2, epochs: 3, minutes: 10, checkpointMinutes: 100, evalEvery: 0, maxSteps: 5 };
    const params = paramsFromWeights(initWeights(config, 1), true);
    const state = await runTraining({ label: 'capped', params, examples, features, featureDim: F, settings, checkpointDir: path.join(work, 'c'), logger: new Logger(path.join(work, 'log')) });
    expect(state.step).toBe(5);
    expect(JSON.parse(readFileSync(path.join(work, 'c', 'state.json'), 'utf8')).step).toBe(5);
  }, 60_000);

  it('export then load gives identical outputs; folding the feature normalisation changes nothing', async () => {
    await useCpu();
    const { vocab, features } = syntheticData(40, 5);
    const config = { vocabSize: vocab.size, embedDim: 8, hiddenDim: 12, featureDim: F };
    const weights = initWeights(config, 7);
    for (const n of WEIGHT_NAMES) weights[n].data.forEach((v, k, a) => (a[k] = v * 4));
    const rows = Array.from({ length: 40 }, (_, i) => features.slice(i * F, (i + 1) * F));
    const norm = featureNorm(rows);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'export-'));
    writeModelDir(dir, config, foldFeatureNorm(weights, norm), vocab);
    const loaded = await loadCaptioner(fsReader(dir));
    const inMemory = TfDecoder.fromWeights(config, weights);
    for (const row of rows.slice(0, 5)) {
      const a = beamSearch(inMemory, normalise(row, norm), { maxLength: 8, beamWidth: 3, alpha: 0 });
      const b = beamSearch(loaded.decoder, row, { maxLength: 8, beamWidth: 3, alpha: 0 });
      expect(b.tokens).toEqual(a.tokens);
      expect(b.logp).toBeCloseTo(a.logp, 4);
    }
    const round = weightsFromParams(loaded.decoder.params);
    expect(maxAbsDiff(round['lstm/Wh'].data, weights['lstm/Wh'].data)).toBe(0);
    loaded.decoder.dispose();
    inMemory.dispose();
  });
});

describe('data-parallel training', () => {
  it('a gradient worker thread taking half of each batch trains to the same weights as one thread', async () => {
    await useCpu();
    const { vocab, features, examples } = syntheticData(96, 6);
    const config = { vocabSize: vocab.size, embedDim: 8, hiddenDim: 12, featureDim: F };
    const settings = { batchSize: 16, learningRate: 1e-2, lrDecay: 1, dropout: 0, clipNorm: 5, seed: 3, epochs: 2, minutes: 10, checkpointMinutes: 100, evalEvery: 0 };
    const work = mkdtempSync(path.join(os.tmpdir(), 'parallel-'));
    const logger = new Logger(path.join(work, 'log'));
    const single = paramsFromWeights(initWeights(config, 1), true);
    await runTraining({ label: 'one', params: single, examples, features, featureDim: F, settings, checkpointDir: path.join(work, 'one'), logger });
    const parallel = paramsFromWeights(initWeights(config, 1), true);
    const state = await runTraining({ label: 'two', params: parallel, examples, features, featureDim: F, settings: { ...settings, workers: 1 }, checkpointDir: path.join(work, 'two'), logger });
    expect(state.step).toBe(12);
    expect(readFileSync(path.join(work, 'log'), 'utf8')).toMatch(/two: a gradient worker thread computes half of every batch/);
    const moved = maxAbsDiff(parallel['lstm/Wh'].dataSync(), initWeights(config, 1)['lstm/Wh'].data);
    expect(moved).toBeGreaterThan(1e-2); // it trained
    for (const n of WEIGHT_NAMES) expect(maxAbsDiff(parallel[n].dataSync(), single[n].dataSync()), n).toBeLessThan(1e-5);
  }, 60_000);

  it('with frozen weights too: the worker’s gradients are matched to the trained weights by name', async () => {
    await useCpu();
    const { vocab, features, examples } = syntheticData(64, 7);
    const config = { vocabSize: vocab.size, embedDim: 8, hiddenDim: 12, featureDim: F };
    // Two frozen weights that are not neighbours in WEIGHT_NAMES, so a positional mix-up would show.
    const frozen = ['embedding/We', 'lstm/Wh'] as const;
    const settings = { batchSize: 16, learningRate: 1e-2, lrDecay: 1, dropout: 0, clipNorm: 5, seed: 3, epochs: 1, minutes: 10, checkpointMinutes: 100, evalEvery: 0, frozen: [...frozen] };
    const work = mkdtempSync(path.join(os.tmpdir(), 'parallel-frozen-'));
    const logger = new Logger(path.join(work, 'log'));
    const single = paramsFromWeights(initWeights(config, 1), true);
    await runTraining({ label: 'one', params: single, examples, features, featureDim: F, settings, checkpointDir: path.join(work, 'one'), logger });
    const parallel = paramsFromWeights(initWeights(config, 1), true);
    await runTraining({ label: 'two', params: parallel, examples, features, featureDim: F, settings: { ...settings, workers: 1 }, checkpointDir: path.join(work, 'two'), logger });
    for (const n of frozen) expect(maxAbsDiff(parallel[n].dataSync(), initWeights(config, 1)[n].data), n).toBe(0);
    expect(maxAbsDiff(parallel['lstm/Wx'].dataSync(), initWeights(config, 1)['lstm/Wx'].data)).toBeGreaterThan(1e-3);
    for (const n of WEIGHT_NAMES) expect(maxAbsDiff(parallel[n].dataSync(), single[n].dataSync()), n).toBeLessThan(1e-5);
  }, 60_000);
});
