/**
 * `npm run embedding-probe [-- --epochs 15 --dim 100 --window 4 --pairs horse-pony,... --out FILE]`:
 * how close the caption text alone puts word pairs. Trains skip-gram (skipgram.ts) on the
 * captioner's training text — the pre-training captions (Flickr30k without Flickr8k's images, COCO)
 * and the Flickr8k training captions — over the shipped vocabulary, and prints each partner's
 * neighbour rank by cosine, beside its rank in the shipped model's W_e. Reads the dataset (flags as
 * in the pipeline). With --out, also writes the vectors (FILE.bin, FILE.json), which
 * `npm run embedding-init` makes the captioner's W_e.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nearest, neighbourRank, normaliseRows } from '../model/neighbours';
import { Vocabulary } from '../model/vocab';
import { loadWeights } from '../model/weights';
import { dataDirs, fail, flagNumber, flagString, parseFlags, Progress, runIfMain, modelDirFlag } from './cli';
import { loadFlickr8kText, loadPretrainText } from './corpus';
import { requireDir } from './data';
import { fsReader } from './node-files';
import { DEFAULT_SKIPGRAM, trainSkipgram } from './skipgram';

const DEFAULT_PAIRS = 'horse-pony,horse-donkey,horse-zebra,pony-donkey,dog-puppy,dog-cat,man-woman,red-blue,beach-ocean';

async function main() {
  const { flags } = parseFlags();
  const dirs = dataDirs(flags);
  for (const [what, dir] of [['Flickr8k', dirs.flickr8k], ['Flickr30k captions', dirs.flickr30k], ['COCO captions', dirs.coco]] as const) requireDir(dir, what);
  const modelDir = modelDirFlag(flags);
  const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(modelDir, 'vocab.json'), 'utf8')));
  const { config, weights } = await loadWeights(fsReader(modelDir));
  const settings = { ...DEFAULT_SKIPGRAM, epochs: flagNumber(flags, 'epochs', DEFAULT_SKIPGRAM.epochs), dim: flagNumber(flags, 'dim', DEFAULT_SKIPGRAM.dim), window: flagNumber(flags, 'window', DEFAULT_SKIPGRAM.window), seed: flagNumber(flags, 'seed', DEFAULT_SKIPGRAM.seed) };

  const pre = loadPretrainText(dirs.flickr30k, dirs.coco);
  const f8 = loadFlickr8kText(dirs.flickr8k);
  // Special tokens (<start>, <end>, <unk>) are left out: they are not words on the map.
  const sentences = [...pre.captions, ...f8.train.flatMap((img) => f8.captions.get(img) ?? [])].map((c) => vocab.encode(c).filter((w) => w > 2));
  const progress = new Progress('embedding-probe', settings.epochs);
  const t0 = performance.now();
  const vectors = trainSkipgram(sentences, vocab.size, settings, () => progress.tick(1));
  const seconds = (performance.now() - t0) / 1000;

  const out = flagString(flags, 'out', '');
  if (out) {
    // Raw vectors (float32, vocabulary order) and their settings: `npm run embedding-init` reads them.
    writeFileSync(`${out}.bin`, Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength));
    writeFileSync(`${out}.json`, JSON.stringify({ settings, vocabSize: vocab.size, sentences: sentences.length, seconds }, null, 1));
  }
  const probe = normaliseRows(vectors, settings.dim);
  const shipped = normaliseRows(weights['embedding/We'].data, config.embedDim);
  const idOf = (w: string) => (vocab.has(w) ? vocab.id(w) : fail(`"${w}" is not in the model's vocabulary`));
  console.log(`skip-gram on ${sentences.length.toLocaleString('en')} captions, ${settings.epochs} epochs, ${settings.dim} dimensions, window ${settings.window}, ${settings.negatives} negatives, seed ${settings.seed}: ${seconds.toFixed(0)} s`);
  console.log('| word | partner | rank by skip-gram on the caption text | rank in the shipped W_e |');
  console.log('|---|---|---:|---:|');
  for (const pair of flagString(flags, 'pairs', DEFAULT_PAIRS).split(',')) {
    const [a, b] = pair.split('-') as [string, string];
    console.log(`| ${a} | ${b} | ${neighbourRank(probe, settings.dim, vocab.words, idOf(a), idOf(b))} | ${neighbourRank(shipped, config.embedDim, vocab.words, idOf(a), idOf(b))} |`);
  }
  const word = flagString(flags, 'word', 'horse');
  console.log(`\n${word}'s 10 nearest by skip-gram: ${nearest(probe, settings.dim, vocab.words, idOf(word), 10).map((n) => `${n.word} (${n.cosine.toFixed(2)})`).join(', ')}`);
}

runIfMain(import.meta.url, main);
