/**
 * `npm run text-embedding -- --vectors artifacts/skipgram/w2 [--model DIR]`
 *
 * Ships skip-gram vectors trained on the caption text alone (`npm run embedding-probe -- --out FILE`)
 * beside the decoder, as text-embedding.json + text-embedding.bin (int8 rows, src/model/text-embedding.ts),
 * so the embedding map can show them next to the decoder's W_e. Then `npm run layout -- --space text`
 * draws their map. Needs no dataset: the vectors are a derived artefact.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nearest, normaliseRows } from '../model/neighbours';
import { decodeTextEmbedding, encodeTextEmbedding } from '../model/text-embedding';
import { Vocabulary } from '../model/vocab';
import { fail, flagString, modelDirFlag, parseFlags, runIfMain } from './cli';

/** Largest drop in any word's top-10 cosine that int8 rounding may cause before we refuse to ship. */
const MAX_COSINE_ERROR = 0.01;

async function main() {
  const { flags } = parseFlags();
  const modelDir = modelDirFlag(flags);
  const from = flagString(flags, 'vectors', '');
  if (!from) fail('usage: npm run text-embedding -- --vectors FILE (FILE.bin and FILE.json, as `npm run embedding-probe -- --out FILE` writes them) [--model DIR]');
  const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(modelDir, 'vocab.json'), 'utf8')));
  const meta = JSON.parse(readFileSync(`${from}.json`, 'utf8')) as { settings: { dim: number }; vocabSize: number; sentences: number; seconds: number };
  if (meta.vocabSize !== vocab.size) fail(`${from}.json was trained over ${meta.vocabSize} words, but ${modelDir}/vocab.json has ${vocab.size}: rerun npm run embedding-probe for this model`);
  const buf = readFileSync(`${from}.bin`);
  const dim = meta.settings.dim;
  const vectors = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const method = { kind: 'skip-gram on the caption text (npm run embedding-probe)', ...meta.settings, sentences: meta.sentences, seconds: Math.round(meta.seconds) };
  const { json, bin } = encodeTextEmbedding(vectors, vocab.size, dim, method);

  // What the int8 rounding costs the map: the largest change of any top-10 cosine, over every word.
  const exact = normaliseRows(vectors, dim);
  const rounded = normaliseRows(decodeTextEmbedding(json, bin.buffer as ArrayBuffer), dim);
  let worst = 0;
  for (let id = 3; id < vocab.size; id++) {
    const a = nearest(exact, dim, vocab.words, id, 10);
    const b = nearest(rounded, dim, vocab.words, id, 10);
    a.forEach((n, r) => (worst = Math.max(worst, Math.abs(n.cosine - b[r]!.cosine))));
  }
  if (worst > MAX_COSINE_ERROR) fail(`int8 rounding moved a top-10 cosine by ${worst.toFixed(4)} (limit ${MAX_COSINE_ERROR})`);
  writeFileSync(path.join(modelDir, 'text-embedding.json'), JSON.stringify(json, null, 1) + '\n');
  writeFileSync(path.join(modelDir, json.file), bin);
  console.log(`text-embedding: ${vocab.size} words × ${dim} dimensions → ${path.relative(process.cwd(), path.join(modelDir, json.file))} (${(bin.length / 1024).toFixed(0)} KB, int8 rows; the largest top-10 cosine change from rounding is ${worst.toFixed(4)})`);
  console.log('next: npm run layout -- --space text');
}

runIfMain(import.meta.url, main);
