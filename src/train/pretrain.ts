/**
 * `npm run pretrain`: the vocabulary, then the word embeddings and the LSTM trained as a language
 * model on caption text alone (Flickr30k rows whose image is not in Flickr8k, and COCO). With no
 * image the feature is zero, so x₋₁ = b_I: the same graph as captioning, minus the picture.
 *
 * npm runs a script named "pretrain" before every `npm run train` (pre-hooks cannot be told apart
 * from a direct run), so once the pre-trained model exists this stage skips unless given --continue.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { paramsFromWeights, weightsFromParams } from '../model/decoder';
import { FEATURE_DIM } from '../model/encoder';
import { initWeights, type DecoderConfig } from '../model/weights';
import { dataDirs, flagNumber, flagString, Logger, parseFlags, workDir, runIfMain } from './cli';
import { buildVocabulary, DEFAULT_VOCAB_RULE, loadFlickr8kText, loadPretrainText, toExamples, vocabularyFor } from './corpus';
import { requireDir } from './data';
import { initBackend } from './node-backend';
import { writeModelDir } from './node-files';
import { defaultWorkers, runTraining } from './trainer';

export function modelConfig(flags: Record<string, string | boolean>, vocabSize: number): DecoderConfig {
  return { vocabSize, embedDim: flagNumber(flags, 'embed', 256), hiddenDim: flagNumber(flags, 'hidden', 512), featureDim: FEATURE_DIM };
}

async function main() {
  const { flags } = parseFlags();
  const dirs = dataDirs(flags);
  for (const [d, what] of [[dirs.flickr8k, 'Flickr8k'], [dirs.flickr30k, 'Flickr30k captions'], [dirs.coco, 'COCO captions']] as const) requireDir(d, what);
  const work = workDir(flags);
  const logger = new Logger(path.join(work, 'logs', 'pretrain.log'));
  const seed = flagNumber(flags, 'seed', 1);
  const out = flagString(flags, 'out', path.join(work, 'pretrained'));
  if (existsSync(path.join(out, 'model.json')) && !flags['continue']) {
    logger.log(`pretrain: ${out} exists, skipping (add --continue to train it further from its checkpoint, or delete it to start over)`);
    return;
  }
  logger.log(`pretrain: backend ${await initBackend('wasm')}`);

  const f8k = loadFlickr8kText(dirs.flickr8k);
  const text = loadPretrainText(dirs.flickr30k, dirs.coco);
  const f8kTrain = f8k.train.flatMap((img) => f8k.captions.get(img) ?? []);
  const vocab = vocabularyFor(work, () => buildVocabulary(f8kTrain, text.captions, DEFAULT_VOCAB_RULE));
  logger.log(`pretrain: vocabulary ${vocab.size} words (rule: ≥${DEFAULT_VOCAB_RULE.minFlickr8k} in Flickr8k train or ≥${DEFAULT_VOCAB_RULE.minPretrain} in pre-training text); horse/pony/donkey present: ${['horse', 'pony', 'donkey'].map((w) => vocab.has(w)).join('/')}`);
  logger.log(`pretrain: ${text.flickr30k} Flickr30k captions (flickr8k_split = '-') + ${text.coco} COCO captions`);

  const config = modelConfig(flags, vocab.size);
  const params = paramsFromWeights(initWeights(config, seed), true);
  const examples = toExamples(text.captions, vocab, () => -1);
  const settings = {
    batchSize: flagNumber(flags, 'batch', 128),
    learningRate: flagNumber(flags, 'lr', 2e-3),
    lrDecay: 1,
    dropout: flagNumber(flags, 'dropout', 0.3),
    clipNorm: 5,
    seed,
    epochs: flagNumber(flags, 'epochs', 1),
    minutes: flagNumber(flags, 'minutes', 25),
    checkpointMinutes: 3,
    evalEvery: 0,
    workers: flagNumber(flags, 'workers', defaultWorkers()),
  };
  logger.log(`pretrain: ${examples.length} captions, config ${JSON.stringify(config)}, settings ${JSON.stringify(settings)}`);
  const state = await runTraining({ label: 'pretrain', params, examples, features: null, featureDim: config.featureDim, settings, checkpointDir: path.join(work, 'checkpoints', 'pretrain'), logger });
  writeModelDir(out, config, weightsFromParams(params), vocab, { meta: { stage: 'pretrain', steps: state.step, tokens: state.tokens, seconds: state.seconds } });
  logger.log(`pretrain: wrote ${out} after ${state.step} steps (${(state.seconds / 60).toFixed(1)} min of training)`);
}

runIfMain(import.meta.url, main);
