/**
 * Decoding of many images at once, for training: greedy captions for the dev evaluation every epoch,
 * and sampled captions for self-critical training. The page and the reported test figures use
 * search.ts; this is the same maths in one big batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { imageEmbedding, type DecoderParams } from './decoder';
import { lstmStep } from './lstm';
import type { Random } from './prng';
import { END_ID, START_ID, UNK_ID } from './vocab';

/** Picks the next token of every row from masked logits [B, V]. */
type Pick = (logits: tf.Tensor2D) => Int32Array;

export function batchedGreedy(p: DecoderParams, features: Float32Array, featureDim: number, maxLength: number): number[][] {
  return batchedDecode(p, features, featureDim, maxLength, (logits) => readAndDispose(tf.argMax(logits, 1)) as Int32Array);
}

/**
 * One caption per row sampled from p_t (at temperature 1), reproducibly from `random`. The sampling
 * is done in JS rather than with tf.multinomial so that the seeded stream alone fixes the captions.
 */
export function batchedSample(p: DecoderParams, features: Float32Array, featureDim: number, maxLength: number, random: Random): number[][] {
  return batchedDecode(p, features, featureDim, maxLength, (logits) => {
    const [B, V] = logits.shape;
    const probs = readAndDispose(tf.softmax(logits)) as Float32Array;
    const out = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      let u = random();
      let v = 0;
      // Walk the cumulative distribution; rounding can leave u > 0 at the end, so stop at the last word.
      for (; v < V - 1; v++) {
        u -= probs[b * V + v]!;
        if (u < 0) break;
      }
      out[b] = v;
    }
    return out;
  });
}

/** A tensor's values, freeing the tensor (a pick runs once per step; a kept tensor per step filled wasm's heap). */
function readAndDispose(t: tf.Tensor): Float32Array | Int32Array {
  const data = t.dataSync() as Float32Array | Int32Array;
  t.dispose();
  return data;
}

function batchedDecode(p: DecoderParams, features: Float32Array, featureDim: number, maxLength: number, pick: Pick): number[][] {
  const B = features.length / featureDim;
  const H = p['lstm/Wh'].shape[0]!;
  const V = p['output/bo'].shape[0]!;
  const lstm = { Wx: p['lstm/Wx'] as tf.Tensor2D, Wh: p['lstm/Wh'] as tf.Tensor2D, b: p['lstm/b'] as tf.Tensor1D };
  // Masked tokens get a large negative bias so they are never picked.
  const maskData = new Float32Array(V);
  maskData[START_ID] = -1e9;
  maskData[UNK_ID] = -1e9;
  const mask = tf.tensor1d(maskData);
  let [h, c] = tf.tidy(() => {
    const zeros = tf.zeros([B, H]) as tf.Tensor2D;
    const out = lstmStep(lstm, imageEmbedding(p, tf.tensor2d(features, [B, featureDim])), zeros, zeros);
    return [tf.keep(out.h), tf.keep(out.c)];
  });
  let tokens: Int32Array = new Int32Array(B).fill(START_ID);
  const result: number[][] = Array.from({ length: B }, () => []);
  const done = new Uint8Array(B);
  for (let t = 0; t < maxLength && done.some((d) => !d); t++) {
    const next = tf.tidy(() => {
      const x = tf.gather(p['embedding/We'], tf.tensor1d(tokens, 'int32')) as tf.Tensor2D;
      const out = lstmStep(lstm, x, h!, c!);
      const logits = tf.add(tf.add(tf.matMul(out.h, p['output/Wo'] as tf.Tensor2D), p['output/bo']), mask) as tf.Tensor2D;
      return { h: tf.keep(out.h), c: tf.keep(out.c), logits: tf.keep(logits) };
    });
    h!.dispose();
    c!.dispose();
    h = next.h;
    c = next.c;
    tokens = pick(next.logits);
    next.logits.dispose();
    for (let b = 0; b < B; b++) {
      if (done[b]) continue;
      if (tokens[b] === END_ID) done[b] = 1;
      else result[b]!.push(tokens[b]!);
    }
  }
  tf.dispose([h!, c!, mask]);
  return result;
}
