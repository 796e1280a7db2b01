/**
 * The LSTM cell, written out so its gates are outputs rather than hidden internals.
 *
 *   z = x·W_x + h·W_h + b          (4H wide, blocks in GATE_ORDER: i, f, o, g)
 *   i = σ(z_i)  f = σ(z_f)  o = σ(z_o)  g = tanh(z_g)
 *   c' = f ⊙ c + i ⊙ g            h' = o ⊙ tanh(c')
 *
 * `lstmStep` (decoding, one step, returns every gate) and `lstmUnroll` (batched, differentiable by
 * autodiff) share `cellFromPreactivation`, so both run the very same maths. Training runs
 * `lstmSequence`: the same forward maths with a hand-written backward pass, checked against
 * `lstmUnroll`'s autodiff gradients in test/unit/lstm.test.ts.
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

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/**
 * The same unroll as `lstmUnroll`, with a hand-written backward pass (backpropagation through
 * time), returning every step's h as one [T·B, H] tensor. Why: autodiff of the per-step graph
 * transposes W_h at every step and computes dW_h as T thin matMuls (K = B); here W_hᵀ is
 * transposed once and dW_h is one matMul over all steps, hₜ₋₁ᵀ·dz ([H, T·B]·[T·B, 4H]).
 * test/unit/lstm.test.ts checks value and gradients against the autodiff unroll.
 */
export function lstmSequence(p: LstmParams, xs: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D): tf.Tensor2D {
  const [T, B, E] = xs.shape;
  const xw = mm(tf.reshape(xs, [T * B, E]) as tf.Tensor2D, p.Wx);
  const H = p.Wh.shape[0];
  const recur = tf.customGrad(((xwAll: tf.Tensor, Wh: tf.Tensor, b: tf.Tensor, hInit: tf.Tensor, cInit: tf.Tensor, save: tf.GradSaveFunc) => {
    let h = hInit as tf.Tensor2D;
    let c = cInit as tf.Tensor2D;
    const hs: tf.Tensor2D[] = [];
    // Per step: i, f, o, g, the previous c and the new one (what the backward pass reads).
    const kept: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const z = tf.add(tf.add(tf.slice(xwAll, [t * B, 0], [B, 4 * H]), tf.matMul(h, Wh as tf.Tensor2D)), b) as tf.Tensor2D;
      const out = cellFromPreactivation(z, c);
      kept.push(out.i, out.f, out.o, out.g, c, out.c);
      h = out.h;
      c = out.c;
      hs.push(h);
    }
    const hAll = tf.concat(hs, 0) as tf.Tensor2D;
    save([Wh, hInit, hAll, ...kept]);
    return {
      value: hAll,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [WhS, hFirst, hSaved] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const WhT = tf.transpose(WhS) as tf.Tensor2D;
        const one = tf.scalar(1);
        let dhNext: tf.Tensor2D | null = null;
        let dcNext: tf.Tensor2D | null = null;
        const dzs: tf.Tensor2D[] = new Array(T);
        for (let t = T - 1; t >= 0; t--) {
          const [i, f, o, g, cPrev, cNew] = saved.slice(3 + 6 * t, 9 + 6 * t) as tf.Tensor2D[];
          const tc = tf.tanh(cNew!);
          const dyT = tf.slice(dy, [t * B, 0], [B, H]) as tf.Tensor2D;
          const dh = dhNext ? tf.add(dyT, dhNext) : dyT;
          // dc = dc₊ + dh·o·(1 − tanh²c)
          const dcOwn = tf.mul(tf.mul(dh, o!), tf.sub(one, tf.square(tc!)));
          const dc = dcNext ? tf.add(dcOwn, dcNext) : dcOwn;
          const dzi = tf.mul(tf.mul(dc, g!), tf.mul(i!, tf.sub(one, i!)));
          const dzf = tf.mul(tf.mul(dc, cPrev!), tf.mul(f!, tf.sub(one, f!)));
          const dzo = tf.mul(tf.mul(dh, tc!), tf.mul(o!, tf.sub(one, o!)));
          const dzg = tf.mul(tf.mul(dc, i!), tf.sub(one, tf.square(g!)));
          const dz = tf.concat([dzi, dzf, dzo, dzg], 1) as tf.Tensor2D;
          dzs[t] = dz;
          dhNext = tf.matMul(dz, WhT) as tf.Tensor2D;
          dcNext = tf.mul(dc, f!) as tf.Tensor2D;
        }
        const dZ = tf.concat(dzs, 0) as tf.Tensor2D;
        // hₜ₋₁ for every step: h₀, then every h but the last.
        const hPrev = T > 1 ? tf.concat([hFirst, tf.slice(hSaved, [0, 0], [(T - 1) * B, H])], 0) : hFirst;
        const dWh = tf.matMul(tf.transpose(hPrev) as tf.Tensor2D, dZ);
        return [dZ, dWh, tf.sum(dZ, 0), dhNext!, dcNext!];
      },
    };
  }) as unknown as CustomGradFn) as unknown as (xw: tf.Tensor2D, Wh: tf.Tensor2D, b: tf.Tensor1D, h0: tf.Tensor2D, c0: tf.Tensor2D) => tf.Tensor2D;
  return recur(xw, p.Wh, p.b, h0, c0);
}
