/**
 * Resumable checkpoints: parameters, Adam's moments and the loop position, written atomically
 * (to a temp folder, then renamed) so a kill mid-write never leaves a half checkpoint.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface NamedArrays {
  [name: string]: { shape: number[]; data: Float32Array };
}

export function writeArrays(file: string, arrays: NamedArrays): void {
  const index: { name: string; shape: number[]; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    index.push({ name, shape: a.shape, offset, length: a.data.length });
    offset += a.data.length;
  }
  const all = new Float32Array(offset);
  for (const e of index) all.set(arrays[e.name]!.data, e.offset);
  writeFileSync(file + '.json', JSON.stringify(index));
  writeFileSync(file + '.bin', Buffer.from(all.buffer));
}

export function readArrays(file: string): NamedArrays {
  const index = JSON.parse(readFileSync(file + '.json', 'utf8')) as { name: string; shape: number[]; offset: number; length: number }[];
  const buf = readFileSync(file + '.bin');
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const out: NamedArrays = {};
  for (const e of index) out[e.name] = { shape: e.shape, data: all.slice(e.offset, e.offset + e.length) };
  return out;
}

export interface Checkpoint<S> {
  params: NamedArrays;
  optimizer: NamedArrays;
  state: S;
  /** The moving average of the weights, when the run keeps one. */
  average?: NamedArrays;
}

export function saveCheckpoint<S>(dir: string, params: Record<string, tf.Tensor>, optimizerWeights: { name: string; tensor: tf.Tensor }[], state: S, average?: Record<string, tf.Tensor>): void {
  const tmp = dir + '.tmp';
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const toArrays = (entries: [string, tf.Tensor][]): NamedArrays =>
    Object.fromEntries(entries.map(([n, t]) => [n, { shape: t.shape.slice(), data: Float32Array.from(t.dataSync() as Float32Array) }]));
  writeArrays(path.join(tmp, 'params'), toArrays(Object.entries(params)));
  writeArrays(path.join(tmp, 'optimizer'), toArrays(optimizerWeights.map((w) => [w.name, w.tensor])));
  if (average) writeArrays(path.join(tmp, 'average'), toArrays(Object.entries(average)));
  writeFileSync(path.join(tmp, 'state.json'), JSON.stringify(state, null, 1));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

export function loadCheckpoint<S>(dir: string): Checkpoint<S> | null {
  if (!existsSync(path.join(dir, 'state.json'))) return null;
  return {
    params: readArrays(path.join(dir, 'params')),
    optimizer: readArrays(path.join(dir, 'optimizer')),
    state: JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as S,
    average: existsSync(path.join(dir, 'average.json')) ? readArrays(path.join(dir, 'average')) : undefined,
  };
}
