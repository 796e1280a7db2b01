/**
 * `npm run eval`: the Flickr8k test split (1,000 images, 5 references each), decoded by the
 * exported web model with greedy and beam 1, 3, 5, 10; BLEU-1..4, ROUGE-L, CIDEr-D and the share
 * of distinct captions. Also scores the float32 export at beam 3, to measure what uint8 costs.
 * Writes public/models/eval/{metrics.json,test-captions.json} (beam 3 captions: the model card's).
 *
 * `npm run eval -- --check` regenerates 50 of the committed test captions and confirms they match.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { captionText, loadCaptioner, type Captioner } from '../model/index';
import { scoreCaptions } from '../model/metrics';
import { beamSearch, DEFAULT_BEAM, greedy } from '../model/search';
import type { Trace } from '../model/trace';
import { dataDirs, flagNumber, flagString, Logger, parseFlags, Progress, workDir, runIfMain, modelDirFlag } from './cli';
import { loadFlickr8kText } from './corpus';
import { readFlickr8kCaptions } from './data';
import { loadFeatures } from './features';
import { initBackend } from './node-backend';
import { fsReader } from './node-files';

export const EVAL_MAX_LENGTH = DEFAULT_BEAM.maxLength;

export type DecoderSetting = { name: string; run: (c: Captioner, f: Float32Array) => Trace };
export const beam = (k: number, alpha = DEFAULT_BEAM.alpha): DecoderSetting => ({ name: `beam ${k}`, run: (c, f) => beamSearch(c.decoder, f, { ...DEFAULT_BEAM, beamWidth: k, alpha }) });
export const GREEDY: DecoderSetting = { name: 'greedy', run: (c, f) => greedy(c.decoder, f, { maxLength: EVAL_MAX_LENGTH, minLength: DEFAULT_BEAM.minLength }) };

export function captionAll(c: Captioner, setting: DecoderSetting, images: string[], features: Map<string, Float32Array>, label: string): Map<string, { caption: string; logp: number }> {
  const out = new Map<string, { caption: string; logp: number }>();
  const progress = new Progress(label, images.length);
  for (const img of images) {
    const f = features.get(img);
    if (!f) throw new Error(`no feature for ${img}: run \`npm run features\``);
    const t = setting.run(c, f);
    out.set(img, { caption: captionText(t, c.vocab), logp: t.logp });
    progress.tick();
  }
  return out;
}

export function score(captions: Map<string, { caption: string }>, refs: Map<string, string[]>) {
  const items = [...captions].map(([img, c]) => ({ candidate: c.caption, references: refs.get(img)! }));
  const s = scoreCaptions(items).corpus;
  return { ...s, distinct: new Set(items.map((i) => i.candidate)).size / items.length };
}

async function main() {
  const { flags } = parseFlags();
  const dirs = dataDirs(flags);
  const work = workDir(flags);
  const logger = new Logger(path.join(work, 'logs', 'eval.log'));
  const modelDir = modelDirFlag(flags);
  const evalDir = flagString(flags, 'out', path.resolve('public/models/eval'));
  const captionsFile = path.join(evalDir, 'test-captions.json');
  if (!existsSync(path.join(dirs.flickr8k, 'captions.txt')) || !existsSync(path.join(work, 'features', 'features.bin'))) {
    console.error(`eval needs the Flickr8k dataset (${dirs.flickr8k}) and its features (${work}/features; \`npm run features\`). Skipped.`);
    process.exit(2);
  }
  await initBackend('wasm');
  const features = loadFeatures(work);
  const text = loadFlickr8kText(dirs.flickr8k);
  const rawRefs = readFlickr8kCaptions(dirs.flickr8k);
  const captioner = await loadCaptioner(fsReader(modelDir));

  if (flags['check']) {
    const committed: Record<string, string> = JSON.parse(readFileSync(captionsFile, 'utf8')).captions;
    const n = flagNumber(flags, 'n', 50);
    const images = Object.keys(committed).sort().slice(0, n);
    const fresh = captionAll(captioner, beam(3), images, features, 'check');
    const mismatches = images.filter((img) => fresh.get(img)!.caption !== committed[img]);
    for (const img of mismatches) console.log(`MISMATCH ${img}: committed "${committed[img]}" vs regenerated "${fresh.get(img)!.caption}"`);
    console.log(`eval --check: ${images.length - mismatches.length}/${images.length} regenerated test captions match ${path.relative(process.cwd(), captionsFile)}`);
    process.exit(mismatches.length ? 1 : 0);
  }

  const limit = flagNumber(flags, 'limit', text.test.length);
  // --alpha: the length normalisation a rehearsal run chose on dev (npm run pipeline); the site's
  // own evaluation uses DEFAULT_BEAM.alpha, which a unit test ties to decoding-tuning.json.
  const alpha = flagNumber(flags, 'alpha', DEFAULT_BEAM.alpha);
  const images = text.test.slice(0, limit);
  const t0 = performance.now();
  const table: Record<string, Record<string, number>> = {};
  let beam3: Map<string, { caption: string; logp: number }> | null = null;
  for (const setting of [GREEDY, beam(1, alpha), beam(3, alpha), beam(5, alpha), beam(10, alpha)]) {
    const caps = captionAll(captioner, setting, images, features, setting.name);
    table[setting.name] = score(caps, rawRefs);
    logger.log(`eval ${setting.name}: ${JSON.stringify(table[setting.name])}`);
    if (setting.name === 'beam 3') beam3 = caps;
  }
  const f32Dir = path.join(work, 'export-f32');
  if (existsSync(path.join(f32Dir, 'model.json')) && !flags['model']) {
    const f32 = await loadCaptioner(fsReader(f32Dir));
    table['beam 3 (float32 weights)'] = score(captionAll(f32, beam(3, alpha), images, features, 'beam 3 f32'), rawRefs);
    logger.log(`eval beam 3 float32: ${JSON.stringify(table['beam 3 (float32 weights)'])}`);
    f32.decoder.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  mkdirSync(evalDir, { recursive: true });
  const meta = { model: path.relative(process.cwd(), modelDir), split: 'Flickr8k test', images: images.length, maxLength: EVAL_MAX_LENGTH, minLength: DEFAULT_BEAM.minLength, alpha, command: 'npm run eval', date: new Date().toISOString().slice(0, 10), seconds: Math.round(seconds) };
  writeFileSync(path.join(evalDir, 'metrics.json'), JSON.stringify({ ...meta, table }, null, 1) + '\n');
  const captions = Object.fromEntries([...beam3!].sort(([a], [b]) => (a < b ? -1 : 1)).map(([img, c]) => [img, c.caption]));
  writeFileSync(captionsFile, JSON.stringify({ ...meta, decoder: 'beam 3', captions }, null, 1) + '\n');
  logger.log(`eval: ${images.length} test images in ${seconds.toFixed(0)} s; wrote ${path.relative(process.cwd(), evalDir)}`);
  console.log(JSON.stringify(table, null, 1));
  captioner.decoder.dispose();
}

runIfMain(import.meta.url, main);
