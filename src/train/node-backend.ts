/** Node set-up for tfjs: the wasm backend (tfjs-node cannot install here; the pure-JS cpu backend is ~15× slower). */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// Training needs gradients; the page does not, so only Node registers them. The union package's
// CommonJS build registers all of them in tfjs's global registry (tfjs-core's own
// register_all_gradients is extensionless ESM, which Node cannot import).
import '@tensorflow/tfjs';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export async function initBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<string> {
  await tf.setBackend(name);
  await tf.ready();
  return tf.getBackend();
}

const require = createRequire(import.meta.url);

/** The CenterNet graph shipped inside @vladmandic/human (never fetched from the network). */
export function centernetPath(): string {
  // The package's "exports" hides package.json, so walk up from its main entry to the package root.
  let dir = path.dirname(require.resolve('@vladmandic/human'));
  while (path.basename(dir) !== 'human') dir = path.dirname(dir);
  return path.join(dir, 'models', 'centernet.json');
}

/** Load a tfjs graph model (model.json + shards) from disk. */
export async function loadGraphModelFromFile(jsonPath: string): Promise<GraphModel> {
  const json = JSON.parse(await readFile(jsonPath, 'utf8'));
  const dir = path.dirname(jsonPath);
  const specs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
  const buffers = await Promise.all(
    json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths).map((p: string) => readFile(path.join(dir, p))),
  );
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy, signature: json.signature }));
}
