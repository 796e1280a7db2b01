/**
 * `npm run export`: the web decoder. Folds the training-time feature normalisation into W_I and b_I
 * (so the page feeds raw CenterNet features), writes a float32 copy to <work>/export-f32 and the
 * uint8-quantised web model to public/models/<name>, and points public/models/current.json at it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Vocabulary } from '../model/vocab';
import { loadWeights, type WeightSet } from '../model/weights';
import { flagString, Logger, parseFlags, workDir, runIfMain } from './cli';
import { fsReader, writeModelDir } from './node-files';
import type { FeatureNorm } from './train';

/** x₋₁ = ((f − μ)/σ)·W_I + b_I  =  f·(W_I / σ) + (b_I − (μ/σ)·W_I). */
export function foldFeatureNorm(w: WeightSet, norm: FeatureNorm): WeightSet {
  const [F, E] = w['image/Wi'].shape as [number, number];
  const Wi = new Float32Array(F * E);
  const bi = Float32Array.from(w['image/bi'].data);
  for (let d = 0; d < F; d++) {
    for (let e = 0; e < E; e++) {
      const v = w['image/Wi'].data[d * E + e]!;
      Wi[d * E + e] = v / norm.std[d]!;
      bi[e]! -= (norm.mean[d]! / norm.std[d]!) * v;
    }
  }
  return { ...w, 'image/Wi': { shape: [F, E], data: Wi }, 'image/bi': { shape: [E], data: bi } };
}

async function main() {
  const { flags } = parseFlags();
  const work = workDir(flags);
  const logger = new Logger(path.join(work, 'logs', 'export.log'));
  const from = flagString(flags, 'from', path.join(work, 'train', 'best'));
  const name = flagString(flags, 'name', 'flickr8k');
  const out = flagString(flags, 'out', path.resolve('public/models', name));
  const { modelJson, config, weights } = await loadWeights(fsReader(from));
  const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(from, 'vocab.json'), 'utf8')));
  const norm: FeatureNorm = JSON.parse(readFileSync(path.join(work, 'feature-norm.json'), 'utf8'));
  const folded = foldFeatureNorm(weights, norm);
  const meta = { ...(modelJson.meta ?? {}), featureNorm: 'folded into image/Wi and image/bi', exportedFrom: path.relative(process.cwd(), from) };
  const f32Bytes = writeModelDir(path.join(work, 'export-f32'), config, folded, vocab, { meta: { ...meta, quantization: 'none' } });
  const webBytes = writeModelDir(out, config, folded, vocab, { quantization: 'uint8', meta: { ...meta, quantization: 'uint8' } });
  writeFileSync(path.resolve('public/models/current.json'), JSON.stringify({ decoder: name }) + '\n');
  logger.log(`export: float32 ${(f32Bytes / 1e6).toFixed(2)} MB in ${path.join(work, 'export-f32')}; web (uint8) ${(webBytes / 1e6).toFixed(2)} MB in ${out}`);
}

runIfMain(import.meta.url, main);
