import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { imageEmbedding, paramsFromWeights, captionLoss, embed } from '../../src/model/decoder';
import { lstmSequence, lstmUnroll } from '../../src/model/lstm';
import { gaussian, mulberry32 } from '../../src/model/prng';
import { START_ID } from '../../src/model/vocab';
import { fakeFeature, loadFixture, maxAbsDiff } from './helpers';

let fx: Awaited<ReturnType<typeof loadFixture>>;
beforeAll(async () => {
  fx = await loadFixture();
});

const TOKENS = [START_ID, 3, 4, 5, 6, 7, 3];

describe('LSTM cell', () => {
  it('step-by-step, batched unroll and a float64 loop reference agree to 1e-5', () => {
    const feature = fakeFeature(fx.config.featureDim, 7);
    const H = fx.config.hiddenDim;

    // 1. float64 reference, carrying h and c in float64 all the way.
    const ref = fx.reference;
    let state = { h: new Float64Array(H) as ArrayLike<number>, c: new Float64Array(H) as ArrayLike<number> };
    const refH: Float64Array[] = [];
    const first = ref.cell(ref.imageEmbedding(feature), state);
    state = { h: first.h64, c: first.c64 };
    for (const tok of TOKENS) {
      const r = ref.cell(ref.wordEmbedding(tok), state);
      state = { h: r.h64, c: r.c64 };
      refH.push(r.h64);
    }

    // 2. the tfjs step model, one token at a time.
    let s = fx.tfDecoder.imageStep(feature).state;
    const stepH: Float32Array[] = [];
    for (const tok of TOKENS) {
      const out = fx.tfDecoder.step([s], [tok]);
      s = out.states[0]!;
      stepH.push(out.gates[0]!.h);
    }

    // 3. the batched, differentiable unroll used in training.
    const params = paramsFromWeights(fx.weights);
    const unrolled = tf.tidy(() => {
      const img = imageEmbedding(params, tf.tensor2d(feature, [1, feature.length]));
      const words = embed(params['embedding/We'], Int32Array.from(TOKENS));
      const xs = tf.reshape(tf.concat([img, words], 0), [TOKENS.length + 1, 1, fx.config.embedDim]) as tf.Tensor3D;
      const zeros = tf.zeros([1, H]) as tf.Tensor2D;
      return lstmUnroll({ Wx: params['lstm/Wx'] as tf.Tensor2D, Wh: params['lstm/Wh'] as tf.Tensor2D, b: params['lstm/b'] as tf.Tensor1D }, xs, zeros, zeros)
        .slice(1)
        .map((h) => h.dataSync() as Float32Array);
    });
    tf.dispose(Object.values(params));

    let worst = 0;
    TOKENS.forEach((_, t) => {
      worst = Math.max(worst, maxAbsDiff(stepH[t]!, refH[t]!), maxAbsDiff(unrolled[t]!, refH[t]!), maxAbsDiff(stepH[t]!, unrolled[t]!));
    });
    expect(worst).toBeLessThan(1e-5);
    // The comparison is not vacuous: the hidden states move away from zero.
    expect(Math.max(...refH.map((h) => Math.max(...h.map(Math.abs))))).toBeGreaterThan(0.05);
  });

  it('gates are in range and c, h follow c = f·c₋ + i·g, h = o·tanh(c)', () => {
    const feature = fakeFeature(fx.config.featureDim, 3);
    const img = fx.tfDecoder.imageStep(feature);
    const out = fx.tfDecoder.step([img.state], [START_ID]);
    const g = out.gates[0]!;
    for (let u = 0; u < fx.config.hiddenDim; u++) {
      for (const v of [g.i[u]!, g.f[u]!, g.o[u]!]) expect(v > 0 && v < 1).toBe(true);
      expect(Math.abs(g.g[u]!)).toBeLessThan(1);
      expect(g.c[u]).toBeCloseTo(g.f[u]! * img.state.c[u]! + g.i[u]! * g.g[u]!, 5);
      expect(g.h[u]).toBeCloseTo(g.o[u]! * Math.tanh(g.c[u]!), 5);
    }
  });

  it('the training loss equals the mean −log p of the step-by-step decoder', () => {
    const feature = fakeFeature(fx.config.featureDim, 11);
    const words = [3, 4, 5];
    const inputs = Int32Array.from([START_ID, ...words]);
    const targets = Int32Array.from([...words, 1]);
    const params = paramsFromWeights(fx.weights);
    const loss = tf.tidy(() => captionLoss(params, { features: tf.tensor2d(feature, [1, feature.length]), inputs, targets, length: inputs.length }).dataSync()[0]!);
    tf.dispose(Object.values(params));

    let s = fx.reference.imageStep(feature).state;
    let nll = 0;
    inputs.forEach((tok, t) => {
      const out = fx.reference.step([s], [tok]);
      s = out.states[0]!;
      const logits = out.logits[0]!;
      const max = Math.max(...logits);
      const lse = max + Math.log(logits.reduce((a, v) => a + Math.exp(v - max), 0));
      nll += lse - logits[targets[t]!]!;
    });
    expect(loss).toBeCloseTo(nll / inputs.length, 5);
  });

  it('gradients of the custom matMul, embedding and cross-entropy match numerical ones', () => {
    const feature = fakeFeature(fx.config.featureDim, 5);
    const inputs = Int32Array.from([START_ID, 3, 3, 6]);
    const targets = Int32Array.from([3, 3, 6, 1]);
    const params = paramsFromWeights(fx.weights);
    const batch = () => ({ features: tf.tensor2d(feature, [1, feature.length]), inputs, targets, length: 4 });
    const names = ['embedding/We', 'lstm/Wh', 'output/Wo', 'image/Wi'] as const;
    const { grads } = tf.variableGrads(() => captionLoss(params, batch()), names.map((n) => {
      const v = tf.variable(params[n], true, `g-${n}`);
      params[n] = v;
      return v;
    }));
    for (const name of names) {
      const analytic = grads[`g-${name}`]!.dataSync();
      const data = params[name].dataSync().slice();
      // Probe the entry with the largest analytic gradient, by central differences.
      let idx = 0;
      analytic.forEach((v, k) => (Math.abs(v) > Math.abs(analytic[idx]!) ? (idx = k) : 0));
      const eps = 1e-2;
      const lossAt = (delta: number) => {
        const d = Float32Array.from(data);
        d[idx]! += delta;
        const p2 = { ...params, [name]: tf.tensor(d, params[name].shape) };
        return tf.tidy(() => captionLoss(p2, batch()).dataSync()[0]!);
      };
      const numeric = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
      expect(Math.abs(analytic[idx]!)).toBeGreaterThan(1e-4);
      expect(Math.abs(numeric - analytic[idx]!)).toBeLessThan(2e-3 + 0.02 * Math.abs(numeric));
    }
  });

  it('the hand-written backward pass (lstmSequence) gives autodiff’s values and gradients, h₀ and c₀ included', () => {
    const [T, B, E, H] = [5, 3, 6, 4];
    const g = gaussian(mulberry32(21));
    const t = (...shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 0.5 * g()), shape);
    const [Wx, Wh, b, xs, h0, c0, proj] = [t(E, 4 * H), t(H, 4 * H), t(4 * H), t(T, B, E), t(B, H), t(B, H), t(T * B, H)];
    // A weighted sum of every h, so each step's output carries its own gradient back.
    const viaAutodiff = (wx: tf.Tensor, wh: tf.Tensor, bb: tf.Tensor, x: tf.Tensor, h: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(tf.concat(lstmUnroll({ Wx: wx as tf.Tensor2D, Wh: wh as tf.Tensor2D, b: bb as tf.Tensor1D }, x as tf.Tensor3D, h as tf.Tensor2D, c as tf.Tensor2D), 0), proj));
    const viaBptt = (wx: tf.Tensor, wh: tf.Tensor, bb: tf.Tensor, x: tf.Tensor, h: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(lstmSequence({ Wx: wx as tf.Tensor2D, Wh: wh as tf.Tensor2D, b: bb as tf.Tensor1D }, x as tf.Tensor3D, h as tf.Tensor2D, c as tf.Tensor2D), proj));
    const inputs = [Wx, Wh, b, xs, h0, c0] as tf.Tensor[];
    const a = tf.valueAndGrads((...v: tf.Tensor[]) => viaAutodiff(...(v as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])) as tf.Scalar)(inputs);
    const m = tf.valueAndGrads((...v: tf.Tensor[]) => viaBptt(...(v as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])) as tf.Scalar)(inputs);
    expect(Math.abs(a.value.dataSync()[0]! - m.value.dataSync()[0]!)).toBeLessThan(1e-5);
    ['Wx', 'Wh', 'b', 'xs', 'h0', 'c0'].forEach((name, k) => {
      const ga = a.grads[k]!.dataSync();
      expect(Math.max(...Array.from(ga, Math.abs)), name).toBeGreaterThan(1e-3); // not vacuous
      expect(maxAbsDiff(ga, m.grads[k]!.dataSync()), name).toBeLessThan(1e-5);
    });
    tf.dispose([...inputs, proj, a.value, m.value, ...a.grads, ...m.grads]);
  });
});
