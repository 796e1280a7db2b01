/**
 * `npm run ablations -- --runs train,ablation-nopretrain,...`: scores the best weights of several
 * training runs (each `<work>/<run>/best`, written by `npm run train -- --run NAME`) on the Flickr8k
 * test split, greedy and beam 3, and writes public/models/eval/ablations.json for the model card.
 * What each run changed is read from its own history.json, never typed by hand.
 *
 * Runs of different lengths are not comparable on their final weights, so each row also carries the
 * run's dev curve (greedy dev CIDEr-D at every evaluation, from its history), and the card compares
 * the runs at the steps they all reached. `--dev-only` skips the test-split decoding.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TfDecoder } from '../model/decoder';
import { Vocabulary } from '../model/vocab';
import { loadWeights, type DecoderConfig } from '../model/weights';
import { dataDirs, flagString, Logger, parseFlags, runIfMain, workDir } from './cli';
import { loadFlickr8kText } from './corpus';
import { readFlickr8kCaptions } from './data';
import { beam, captionAll, GREEDY, score } from './eval';
import { foldFeatureNorm } from './export';
import { loadFeatures } from './features';
import { initBackend } from './node-backend';
import { fsReader } from './node-files';
import type { FeatureNorm } from './train';

interface RunHistory {
  run: string;
  config: DecoderConfig;
  settings: { learningRate: number; dropout: number; batchSize: number; minutes: number; workers?: number };
  pretrain: boolean;
  state: { step: number; epoch: number; tokens: number; seconds: number; best: { score: number; step: number } | null; history: Record<string, number>[] };
}

/** Greedy dev CIDEr-D at each evaluation step of a run. */
export function devCurve(h: RunHistory): Record<number, number> {
  return Object.fromEntries(h.state.history.filter((r) => r['dev CIDEr-D'] !== undefined).map((r) => [r['step']!, r['dev CIDEr-D']!]));
}

/** One line on what a run was: read from the run's own record. */
export function describeRun(h: RunHistory): string {
  const s = h.settings;
  const parts = [
    h.pretrain ? 'text pre-training' : 'no pre-training',
    `H = ${h.config.hiddenDim}, E = ${h.config.embedDim}`,
    `dropout ${s.dropout}`,
    `lr ${s.learningRate}`,
    `${h.state.step} steps (${(h.state.seconds / 60).toFixed(0)} min of training), best dev CIDEr-D ${h.state.best?.score.toFixed(3) ?? '–'} at step ${h.state.best?.step ?? '–'}`,
  ];
  return parts.join(', ');
}

async function main() {
  const { flags } = parseFlags();
  const dirs = dataDirs(flags);
  const work = workDir(flags);
  const logger = new Logger(path.join(work, 'logs', 'ablations.log'));
  const runs = flagString(flags, 'runs', 'train').split(',').filter(Boolean);
  if (!existsSync(path.join(dirs.flickr8k, 'captions.txt')) || !existsSync(path.join(work, 'features', 'features.bin'))) {
    console.error(`ablations need the Flickr8k dataset (${dirs.flickr8k}) and its features (${work}/features). Skipped.`);
    process.exit(2);
  }
  await initBackend('wasm');
  const features = loadFeatures(work);
  const text = loadFlickr8kText(dirs.flickr8k);
  const refs = readFlickr8kCaptions(dirs.flickr8k);
  const norm: FeatureNorm = JSON.parse(readFileSync(path.join(work, 'feature-norm.json'), 'utf8'));
  const rows = [];
  for (const run of runs) {
    const dir = path.join(work, run);
    const history = JSON.parse(readFileSync(path.join(dir, 'history.json'), 'utf8')) as RunHistory;
    if (flags['dev-only']) {
      rows.push({ run, note: describeRun(history), devCurve: devCurve(history) });
      continue;
    }
    const { config, weights } = await loadWeights(fsReader(path.join(dir, 'best')));
    const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(dir, 'best', 'vocab.json'), 'utf8')));
    const decoder = TfDecoder.fromWeights(config, foldFeatureNorm(weights, norm));
    const captioner = { decoder, vocab, meta: {} };
    const metrics: Record<string, Record<string, number>> = {};
    for (const setting of [GREEDY, beam(3)]) {
      metrics[setting.name] = score(captionAll(captioner, setting, text.test, features, `${run} ${setting.name}`), refs);
      logger.log(`ablations: ${run} ${setting.name}: ${JSON.stringify(metrics[setting.name])}`);
    }
    rows.push({ run, note: describeRun(history), metrics: metrics['beam 3']!, greedy: metrics['greedy']!, devCurve: devCurve(history) });
    decoder.dispose();
  }
  const out = path.resolve('public/models/eval');
  mkdirSync(out, { recursive: true });
  const command = `npm run ablations -- --runs ${runs.join(',')}${flags['dev-only'] ? ' --dev-only' : ''}`;
  writeFileSync(path.join(out, 'ablations.json'), JSON.stringify({ command, date: new Date().toISOString().slice(0, 10), split: 'Flickr8k test, beam 3 (greedy alongside)', rows }, null, 1) + '\n');
  logger.log(`ablations: wrote ${path.relative(process.cwd(), path.join(out, 'ablations.json'))}`);
}

runIfMain(import.meta.url, main);
