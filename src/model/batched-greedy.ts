/**
 * Greedy decoding of many images at once, for evaluation during training (dev CIDEr-D every epoch).
 * The page and the reported test figures use search.ts; this is the same maths in one big batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { imageEmbedding, type DecoderParams } from './decoder';
import { lstmStep } from './lstm';
import { END_ID, START_ID, UNK_ID } from './vocab';

export function batchedGreedy(p: DecoderParams, features: Float32Array, featureDim: number, maxLength: number): number[][] {
  const B = features.length / featureDim;
  const H = p['lstm/Wh'].shape[0]!;
  const V = p['output/bo'].shape[0]!;
  const lstm = { Wx: p['lstm/Wx'] as tf.Tensor2D, Wh: p['lstm/Wh'] as tf.Tensor2D, b: p['lstm/b'] as tf.Tensor1D };
  // Masked tokens get a large negative bias so argmax never picks them.
  const maskData = new Float32Array(V);
  maskData[START_ID] = -1e9;
  maskData[UNK_ID] = -1e9;
  const mask = tf.tensor1d(maskData);
  let [h, c] = tf.tidy(() => {
    const zeros = tf.zeros([B, H]) as tf.Tensor2D;
    const out = lstmStep(lstm, imageEmbedding(p, tf.tensor2d(features, [B, featureDim])), zeros, zeros);
    return [tf.keep(out.h), tf.keep(out.c)];
  });
  let tokens = new Int32Array(B).fill(START_ID);
  const result: number[][] = Array.from({ length: B }, () => []);
  const done = new Uint8Array(B);
  for (let t = 0; t < maxLength && done.some((d) => !d); t++) {
    const next = tf.tidy(() => {
      const x = tf.gather(p['embedding/We'], tf.tensor1d(tokens, 'int32')) as tf.Tensor2D;
      const out = lstmStep(lstm, x, h!, c!);
      const logits = tf.add(tf.add(tf.matMul(out.h, p['output/Wo'] as tf.Tensor2D), p['output/bo']), mask);
      return { h: tf.keep(out.h), c: tf.keep(out.c), arg: tf.argMax(logits, 1) };
    });
    h!.dispose();
    c!.dispose();
    h = next.h;
    c = next.c;
    tokens = Int32Array.from(next.arg.dataSync());
    next.arg.dispose();
    for (let b = 0; b < B; b++) {
      if (done[b]) continue;
      if (tokens[b] === END_ID) done[b] = 1;
      else result[b]!.push(tokens[b]!);
    }
  }
  tf.dispose([h!, c!, mask]);
  return result;
}
