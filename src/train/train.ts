/**
 * `npm run train`: Show and Tell on Flickr8k train with CenterNet features, starting from the
 * pre-trained language model (unless --no-pretrain). Early stopping on dev CIDEr-D (greedy); the
 * test split is not touched here. Keeps the best weights in <work>/<run>/best. With --average D the
 * evaluations (and so the best weights) use a moving average of the weights with decay D.
 *
 * `npm run train -- --self-critical K --run scst` fine-tunes the weights of `--init` (default
 * <work>/train/best) by self-critical training on CIDEr-D with K samples per image (self-critical.ts);
 * `--batch` then counts images.
 *
 * `--init DIR` starts any run from trained weights; `--freeze NAME,...` keeps those weights fixed
 * (say `embedding/We`, after embedding-init.ts has set it from skip-gram vectors).
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { batchedGreedy } from '../model/batched-decode';
import { paramsFromWeights, weightsFromParams } from '../model/decoder';
import { FEATURE_DIM } from '../model/encoder';
import { ciderDScorer, scoreCaptions } from '../model/metrics';
import { mulberry32 } from '../model/prng';
import { Vocabulary } from '../model/vocab';
import { initWeights, loadWeights, WEIGHT_NAMES, type WeightName } from '../model/weights';
import { dataDirs, flagNumber, flagString, Logger, parseFlags, workDir, runIfMain } from './cli';
import { loadFlickr8kText, toExamples } from './corpus';
import { requireDir } from './data';
import { loadFeatures } from './features';
import { initBackend } from './node-backend';
import { fsReader, writeModelDir } from './node-files';
import { modelConfig } from './pretrain';
import { SAMPLE_MAX_WORDS, selfCriticalBatch } from './self-critical';
import { defaultWorkers, runTraining, type Example, type LoopState, type PackedBatch } from './trainer';

/** Per-dimension mean and std of the training features; folded into W_I, b_I at export. */
export interface FeatureNorm {
  mean: number[];
  std: number[];
}

export function featureNorm(rows: Float32Array[]): FeatureNorm {
  const D = rows[0]!.length;
  const mean = new Array<number>(D).fill(0);
  const sq = new Array<number>(D).fill(0);
  for (const r of rows) for (let d = 0; d < D; d++) {
    mean[d]! += r[d]!;
    sq[d]! += r[d]! * r[d]!;
  }
  const n = rows.length;
  return { mean: mean.map((m) => m / n), std: sq.map((s, d) => Math.sqrt(Math.max(s / n - (mean[d]! / n) ** 2, 0)) + 1e-3) };
}

export function normalise(f: Float32Array, norm: FeatureNorm): Float32Array {
  return f.map((v, d) => (v - norm.mean[d]!) / norm.std[d]!);
}

export function featureMatrix(images: string[], features: Map<string, Float32Array>, norm: FeatureNorm): Float32Array {
  const out = new Float32Array(images.length * FEATURE_DIM);
  images.forEach((img, i) => {
    const f = features.get(img);
    if (!f) throw new Error(`no feature for ${img}: rerun \`npm run features\``);
    out.set(normalise(f, norm), i * FEATURE_DIM);
  });
  return out;
}

async function main() {
  const { flags } = parseFlags();
  const dirs = dataDirs(flags);
  requireDir(dirs.flickr8k, 'Flickr8k');
  const work = workDir(flags);
  const run = flagString(flags, 'run', 'train');
  const runDir = path.join(work, run);
  const logger = new Logger(path.join(work, 'logs', `${run}.log`));
  const seed = flagNumber(flags, 'seed', 1);
  logger.log(`${run}: backend ${await initBackend('wasm')}`);

  const vocabFile = path.join(work, 'vocab.json');
  if (!existsSync(vocabFile)) throw new Error(`${vocabFile} not found: run \`npm run pretrain\` first (it builds the vocabulary)`);
  const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(vocabFile, 'utf8')));
  const text = loadFlickr8kText(dirs.flickr8k);
  const features = loadFeatures(work);
  const norm = featureNorm(text.train.map((img) => features.get(img)!));
  writeFileSync(path.join(work, 'feature-norm.json'), JSON.stringify(norm));
  const trainFeatures = featureMatrix(text.train, features, norm);
  const devLimit = flagNumber(flags, 'dev-limit', 1000);
  const dev = text.dev.slice(0, devLimit);
  const devFeatures = featureMatrix(dev, features, norm);

  const selfCritical = flagNumber(flags, 'self-critical', 0);
  const trainCaptions = text.train.flatMap((img, i) => toExamples(text.captions.get(img) ?? [], vocab, () => i));
  // Self-critical training samples its own captions: one example per training image.
  const examples: Example[] = selfCritical ? text.train.map((_, i) => ({ words: [], image: i })) : trainCaptions;
  const config = modelConfig(flags, vocab.size);
  // --init starts from trained weights (self-critical runs always do); otherwise from the language model.
  const initFrom = selfCritical ? flagString(flags, 'init', path.join(work, 'train', 'best')) : flags.init ? flagString(flags, 'init', '') : null;
  const usePretrain = !flags['no-pretrain'] && !initFrom;
  const pretrained = flagString(flags, 'pretrained', path.join(work, 'pretrained'));
  const frozen = flagString(flags, 'freeze', '').split(',').filter(Boolean);
  for (const name of frozen) if (!(WEIGHT_NAMES as readonly string[]).includes(name)) throw new Error(`--freeze ${name}: not a weight (one of ${WEIGHT_NAMES.join(', ')})`);
  let init = initWeights(config, seed);
  if (initFrom) {
    const loaded = await loadWeights(fsReader(initFrom));
    if (JSON.stringify(loaded.config) !== JSON.stringify(config)) throw new Error(`model at ${initFrom} has config ${JSON.stringify(loaded.config)}, this run needs ${JSON.stringify(config)}`);
    init = loaded.weights;
  } else if (usePretrain) {
    const loaded = await loadWeights(fsReader(pretrained));
    if (JSON.stringify(loaded.config) !== JSON.stringify(config)) throw new Error(`pre-trained model at ${pretrained} has config ${JSON.stringify(loaded.config)}, this run needs ${JSON.stringify(config)}`);
    init = loaded.weights;
    // W_I saw only zero features in pre-training; keep its fresh initialisation, and b_I too.
    init['image/Wi'] = initWeights(config, seed)['image/Wi'];
  }
  const params = paramsFromWeights(init, true);
  // Self-critical fine-tuning starts from trained weights: a small constant rate, no dropout (the
  // samples come from the model without dropout, and their weights should score what was sampled).
  const settings = {
    batchSize: flagNumber(flags, 'batch', selfCritical ? 25 : 128),
    learningRate: flagNumber(flags, 'lr', selfCritical ? 5e-5 : 1e-3),
    lrDecay: flagNumber(flags, 'lr-decay', selfCritical ? 1 : 0.85),
    dropout: flagNumber(flags, 'dropout', selfCritical ? 0 : 0.3),
    clipNorm: 5,
    seed,
    epochs: flagNumber(flags, 'epochs', 8),
    minutes: flagNumber(flags, 'minutes', 45),
    checkpointMinutes: 3,
    evalEvery: flagNumber(flags, 'eval-every', selfCritical ? 60 : 117),
    workers: flagNumber(flags, 'workers', defaultWorkers()),
    averageDecay: flagNumber(flags, 'average', 0),
    maxSteps: flagNumber(flags, 'max-steps', 0),
    ...(selfCritical ? { selfCritical } : {}),
    ...(frozen.length ? { frozen: frozen as WeightName[] } : {}),
  };
  const start = initFrom ? `init ${initFrom}${selfCritical ? `, self-critical with ${selfCritical} samples per image` : ''}` : `pretrain ${usePretrain ? pretrained : 'none'}`;
  logger.log(`${run}: ${trainCaptions.length} training captions of ${text.train.length} images, dev ${dev.length} images, ${start}, config ${JSON.stringify(config)}, settings ${JSON.stringify(settings)}`);

  let prepareBatch: ((batch: Example[], step: number) => PackedBatch) | undefined;
  let describe: (() => string) | undefined;
  if (selfCritical) {
    const reward = ciderDScorer(text.train.map((img) => (text.captions.get(img) ?? []).map((c) => c.join(' '))));
    let recentReward = 0;
    prepareBatch = (batch, step) => {
      // Seeded by step, so a resumed run samples exactly what a straight run would have.
      const random = mulberry32(seed * 1_000_003 + step);
      const b = selfCriticalBatch(params, batch.map((e) => e.image), trainFeatures, FEATURE_DIM, { samples: selfCritical, maxLength: SAMPLE_MAX_WORDS, random, reward: (img, words) => reward(img, vocab.decode(words).join(' ')) });
      recentReward = recentReward ? 0.95 * recentReward + 0.05 * b.meanReward : b.meanReward;
      return b;
    };
    describe = () => `reward ${recentReward.toFixed(3)}`;
  }

  const devRefs = dev.map((img) => (text.captions.get(img) ?? []).map((c) => c.join(' ')));
  const evaluate = () => {
    const tokens = batchedGreedy(params, devFeatures, FEATURE_DIM, 20);
    const items = tokens.map((t, i) => ({ candidate: vocab.decode(t).join(' '), references: devRefs[i]! }));
    const s = scoreCaptions(items).corpus;
    const distinct = new Set(items.map((it) => it.candidate)).size / items.length;
    return { score: s['CIDEr-D'], metrics: { 'dev CIDEr-D': s['CIDEr-D'], 'dev BLEU-4': s['BLEU-4'], 'dev BLEU-1': s['BLEU-1'], distinct } };
  };
  // `init` names the weights a fine-tuning run started from, so export can describe the whole chain.
  const initDir = initFrom ? path.relative(process.cwd(), initFrom) : undefined;
  const writeHistory = (state: LoopState) => writeFileSync(path.join(runDir, 'history.json'), JSON.stringify({ run, config, settings, pretrain: usePretrain, init: initDir, trainingExamples: examples.length, state }, null, 1));
  const onBest = (state: LoopState) => {
    const w = weightsFromParams(params);
    writeModelDir(path.join(runDir, 'best'), config, w, vocab, { meta: { stage: run, step: state.step, epoch: state.epoch, pretrain: usePretrain, settings, featureNorm: 'feature-norm.json' } });
    // The record goes with the weights, so a run stopped by a kill still describes what it saved.
    writeHistory(state);
  };
  const patience = flagNumber(flags, 'patience', 4);
  const state = await runTraining({ label: run, params, examples, features: trainFeatures, featureDim: FEATURE_DIM, settings, checkpointDir: path.join(work, 'checkpoints', run), logger, evaluate, onBest, patience, prepareBatch, describe, evaluateStart: Boolean(initFrom) });
  writeHistory(state);
  logger.log(`${run}: best dev CIDEr-D ${state.best?.score.toFixed(4)} at step ${state.best?.step}; weights in ${path.join(runDir, 'best')}`);
  tf.dispose(WEIGHT_NAMES.map((n) => params[n]));
}

runIfMain(import.meta.url, main);
