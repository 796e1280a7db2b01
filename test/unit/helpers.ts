/** Shared test set-up: the cpu backend (tiny tensors; no wasm start-up cost) and the fixture model. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import path from 'node:path';
import { TfDecoder } from '../../src/model/decoder';
import { ReferenceDecoder } from '../../src/model/reference';
import { Vocabulary } from '../../src/model/vocab';
import { loadWeights } from '../../src/model/weights';
import { fsReader } from '../../src/train/node-files';

export const FIXTURE_DIR = path.resolve(__dirname, '../../public/models/fixture');

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export async function loadFixture() {
  await useCpu();
  const { config, weights } = await loadWeights(fsReader(FIXTURE_DIR));
  const vocab = Vocabulary.fromJSON(JSON.parse(await (await import('node:fs/promises')).readFile(path.join(FIXTURE_DIR, 'vocab.json'), 'utf8')));
  return { config, weights, vocab, tfDecoder: TfDecoder.fromWeights(config, weights), reference: new ReferenceDecoder(config, weights) };
}

/** A deterministic pseudo-image feature. */
export function fakeFeature(dim: number, seed: number): Float32Array {
  const f = new Float32Array(dim);
  let s = seed;
  for (let k = 0; k < dim; k++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    f[k] = (s / 2147483648) * 2 - 1;
  }
  return f;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]! - b[k]!));
  return m;
}
