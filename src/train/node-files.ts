/** Node's FileReader for a model folder, and a writer for model folders. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Vocabulary } from '../model/vocab';
import { serializeWeights, type DecoderConfig, type FileReader, type Quantization, type WeightSet } from '../model/weights';

export function fsReader(dir: string): FileReader {
  return async (name) => {
    const buf = await readFile(path.join(dir, name));
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  };
}

/** Write model.json + weights.bin + vocab.json into `dir`; returns the bytes written. */
export function writeModelDir(dir: string, config: DecoderConfig, weights: WeightSet, vocab: Vocabulary, opts: { quantization?: Quantization; meta?: Record<string, unknown> } = {}): number {
  mkdirSync(dir, { recursive: true });
  const { modelJson, shard } = serializeWeights(config, weights, opts);
  const json = JSON.stringify(modelJson, null, 1);
  const vocabJson = JSON.stringify(vocab.toJSON());
  writeFileSync(path.join(dir, 'model.json'), json);
  writeFileSync(path.join(dir, 'weights.bin'), shard);
  writeFileSync(path.join(dir, 'vocab.json'), vocabJson);
  return json.length + shard.length + vocabJson.length;
}
