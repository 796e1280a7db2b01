/**
 * The LSTM cell, written out so its gates are outputs rather than hidden internals.
 *
 *   z = x·W_x + h·W_h + b          (4H wide, blocks in GATE_ORDER: i, f, o, g)
 *   i = σ(z_i)  f = σ(z_f)  o = σ(z_o)  g = tanh(z_g)
 *   c' = f ⊙ c + i ⊙ g            h' = o ⊙ tanh(c')
 *
 * `lstmStep` (decoding, one step, returns every gate) and `lstmUnroll` (training, batched,
 * differentiable) share `cellFromPreactivation`, so both run the very same maths.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface LstmParams {
  Wx: tf.Tensor2D;
  Wh: tf.Tensor2D;
  b: tf.Tensor1D;
}

export interface CellOutput {
  i: tf.Tensor2D;
  f: tf.Tensor2D;
  o: tf.Tensor2D;
  g: tf.Tensor2D;
  c: tf.Tensor2D;
  h: tf.Tensor2D;
}

/**
 * Plain a·b with a gradient that uses explicit transposes. tfjs's default MatMul gradient sets
 * transposeA/transposeB, which takes a ~25× slower path on the wasm backend (design.md §4).
 */
export const mm = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1]!) as tf.Tensor2D),
      tf.matMul(tf.transpose(saved[0]!) as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

export function cellFromPreactivation(z: tf.Tensor2D, c: tf.Tensor2D): CellOutput {
  const [zi, zf, zo, zg] = tf.split(z, 4, 1) as tf.Tensor2D[];
  const i = tf.sigmoid(zi!);
  const f = tf.sigmoid(zf!);
  const o = tf.sigmoid(zo!);
  const g = tf.tanh(zg!);
  const cNext = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D;
  const h = tf.mul(o, tf.tanh(cNext)) as tf.Tensor2D;
  return { i, f, o, g, c: cNext, h };
}

/** One step for a batch: x [B,E], h and c [B,H]. */
export function lstmStep(p: LstmParams, x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D): CellOutput {
  const z = tf.add(tf.add(mm(x, p.Wx), mm(h, p.Wh)), p.b) as tf.Tensor2D;
  return cellFromPreactivation(z, c);
}

/**
 * Unroll over T steps for training. The input projection x·W_x for all steps is one matMul
 * ([T·B,E]·[E,4H]); only h·W_h stays inside the loop (design.md §4b). Returns h for every step.
 */
export function lstmUnroll(p: LstmParams, xs: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D): tf.Tensor2D[] {
  const [T, B, E] = xs.shape;
  const H4 = p.Wx.shape[1];
  const xw = tf.reshape(mm(tf.reshape(xs, [T * B, E]), p.Wx), [T, B, H4]);
  const perStep = tf.unstack(xw) as tf.Tensor2D[];
  let h = h0;
  let c = c0;
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    const z = tf.add(tf.add(perStep[t]!, mm(h, p.Wh)), p.b) as tf.Tensor2D;
    const out = cellFromPreactivation(z, c);
    h = out.h;
    c = out.c;
    hs.push(h);
  }
  return hs;
}
