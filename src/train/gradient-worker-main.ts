/** The worker_thread side of GradientWorker: its own tfjs-wasm instance, variables mirrored from shared memory. */
import * as tf from '@tensorflow/tfjs-core';
import { parentPort } from 'node:worker_threads';
import { captionLoss, type DecoderParams } from '../model/decoder';
import { shardLayout, type ShardLayout, type WorkerReply, type WorkerRequest } from './gradient-worker';
import { initBackend } from './node-backend';

let weights: Float32Array;
let grads: Float32Array;
let layout: ShardLayout[];
let params: DecoderParams;

const reply = (m: WorkerReply) => parentPort!.postMessage(m);

parentPort!.on('message', async (m: WorkerRequest) => {
  try {
    if (m.type === 'init') {
      await initBackend(m.backend === 'cpu' ? 'cpu' : 'wasm');
      weights = new Float32Array(m.weights);
      grads = new Float32Array(m.grads);
      layout = shardLayout(m.config).layout;
      params = {} as DecoderParams;
      for (const l of layout) params[l.name] = tf.variable(tf.zeros(l.shape), true, `worker/${l.name}`);
      reply({ type: 'ready' });
      return;
    }
    for (const l of layout) {
      const t = tf.tensor(weights.subarray(l.offset, l.offset + l.length), l.shape);
      (params[l.name] as tf.Variable).assign(t);
      t.dispose();
    }
    const vars = layout.map((l) => params[l.name] as tf.Variable);
    const loss = tf.tidy(() => {
      const features = tf.tensor2d(m.features, [m.batchSize, m.features.length / m.batchSize]);
      const { value, grads: g } = tf.variableGrads(() => captionLoss(params, { features, inputs: m.inputs, targets: m.targets, weights: m.weights, length: m.length }, m.dropout), vars);
      layout.forEach((l, k) => grads.set(g[vars[k]!.name]!.dataSync() as Float32Array, l.offset));
      return value.dataSync()[0]!;
    });
    reply({ type: 'done', loss });
  } catch (e) {
    reply({ type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
