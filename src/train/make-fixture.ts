/**
 * `npm run make-fixture`: the tiny deterministic model that unit tests use, and that the page runs
 * until a trained model is present. Eight tokens, E = 5, H = 6, and the real 560-d image feature so
 * the page's encoder output fits it. Rerunning gives byte-identical files.
 */
import path from 'node:path';
import { FEATURE_DIM } from '../model/encoder';
import { Vocabulary } from '../model/vocab';
import { initWeights, type DecoderConfig } from '../model/weights';
import { writeModelDir } from './node-files';

export const FIXTURE_WORDS = ['<start>', '<end>', '<unk>', 'a', 'dog', 'runs', 'on', 'grass'];
export const FIXTURE_CONFIG: DecoderConfig = { vocabSize: FIXTURE_WORDS.length, embedDim: 5, hiddenDim: 6, featureDim: FEATURE_DIM };

export function fixtureWeights() {
  const w = initWeights(FIXTURE_CONFIG, 1234);
  // Glorot-sized weights give near-uniform p_t; larger ones make the decoders disagree, which the tests need.
  for (const name of ['embedding/We', 'lstm/Wx', 'lstm/Wh', 'output/Wo'] as const) w[name].data.forEach((v, k, a) => (a[k] = v * 3));
  w['image/Wi'].data.forEach((v, k, a) => (a[k] = v * 0.5));
  w['output/bo'].data.forEach((_, k, a) => (a[k] = ((k * 37) % 11) / 10 - 0.5));
  return w;
}

const out = process.argv[2] ?? path.resolve('public/models/fixture');
const bytes = writeModelDir(out, FIXTURE_CONFIG, fixtureWeights(), new Vocabulary(FIXTURE_WORDS), { meta: { name: 'fixture', note: 'random weights for tests; captions are nonsense' } });
console.log(`fixture model: ${bytes} bytes in ${out}`);
