/**
 * `npm run quantization-check [-- --images 1000]`: how faithful each uint8 export scheme is to the
 * float32 weights, on the dev split (never the test split). Decodes the dev images at beam 3 with the
 * float32 export (`artifacts/export-f32`, written by `npm run export`) and with its uint8 round trips
 * — one range per tensor, one per row or column — and prints the share of captions identical to
 * float32's, with each one's dev BLEU-4 and CIDEr-D. It is how the export's scheme was chosen.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TfDecoder } from '../model/decoder';
import { scoreCaptions } from '../model/metrics';
import { beamSearch, DEFAULT_BEAM } from '../model/search';
import { Vocabulary } from '../model/vocab';
import { loadWeights, serializeWeights, type WeightSet } from '../model/weights';
import { dataDirs, flagNumber, parseFlags, Progress, runIfMain, workDir } from './cli';
import { loadFlickr8kText } from './corpus';
import { requireDir } from './data';
import { loadFeatures } from './features';
import { initBackend } from './node-backend';
import { fsReader } from './node-files';

async function main() {
  const { flags } = parseFlags();
  const dirs = dataDirs(flags);
  requireDir(dirs.flickr8k, 'Flickr8k');
  const work = workDir(flags);
  await initBackend('wasm');
  const f32Dir = path.join(work, 'export-f32');
  const { config, weights } = await loadWeights(fsReader(f32Dir));
  const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(f32Dir, 'vocab.json'), 'utf8')));
  const text = loadFlickr8kText(dirs.flickr8k);
  // Raw features: the export has the training-time normalisation folded into W_I and b_I.
  const features = loadFeatures(work);
  const dev = text.dev.slice(0, flagNumber(flags, 'images', 1000));
  const refs = dev.map((img) => (text.captions.get(img) ?? []).map((c) => c.join(' ')));

  const decode = (label: string, w: WeightSet) => {
    const decoder = TfDecoder.fromWeights(config, w);
    const progress = new Progress(label, dev.length);
    const captions = dev.map((img) => {
      const f = features.get(img);
      if (!f) throw new Error(`no feature for ${img}: run \`npm run features\``);
      progress.tick(1);
      return vocab.decode(beamSearch(decoder, f, DEFAULT_BEAM).tokens).join(' ');
    });
    decoder.dispose();
    return captions;
  };
  const roundTrip = async (quantization: 'uint8' | 'uint8-slices') => {
    const s = serializeWeights(config, weights, { quantization });
    const files = new Map<string, Uint8Array>([['model.json', new TextEncoder().encode(JSON.stringify(s.modelJson))], ['weights.bin', s.shard]]);
    return (await loadWeights(async (name) => files.get(name)!.slice().buffer)).weights;
  };
  const score = (captions: string[]) => scoreCaptions(captions.map((candidate, i) => ({ candidate, references: refs[i]! }))).corpus;

  const float32 = decode('float32', weights);
  const rows = [{ scheme: 'float32', captions: float32 }];
  for (const q of ['uint8', 'uint8-slices'] as const) rows.push({ scheme: q, captions: decode(q, await roundTrip(q)) });
  console.log(`Flickr8k dev, ${dev.length} images, beam ${DEFAULT_BEAM.beamWidth}, α = ${DEFAULT_BEAM.alpha}; weights from ${path.relative(process.cwd(), f32Dir)}`);
  console.log('| weights | captions identical to float32 | dev BLEU-4 | dev CIDEr-D |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) {
    const same = r.captions.filter((c, i) => c === float32[i]).length / dev.length;
    const s = score(r.captions);
    console.log(`| ${r.scheme} | ${(100 * same).toFixed(1)} % | ${s['BLEU-4'].toFixed(4)} | ${s['CIDEr-D'].toFixed(3)} |`);
  }
}

runIfMain(import.meta.url, main);
