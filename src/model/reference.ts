/**
 * A plain float64 implementation of the decoder, written with loops and no tfjs. Tests check the
 * tfjs cell (step and unroll) against it, and the gate view's numbers against exported weights.
 */
import type { Gates, LstmState, StepModel } from './trace';
import type { DecoderConfig, WeightSet } from './weights';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export class ReferenceDecoder implements StepModel {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  constructor(readonly config: DecoderConfig, readonly w: WeightSet) {
    this.vocabSize = config.vocabSize;
    this.hiddenSize = config.hiddenDim;
  }

  /** x·W for a row vector x and a row-major W [rows, cols]. */
  private vecMat(x: ArrayLike<number>, W: Float32Array, cols: number): Float64Array {
    const out = new Float64Array(cols);
    for (let r = 0; r < x.length; r++) {
      const xr = x[r]!;
      if (xr === 0) continue;
      for (let k = 0; k < cols; k++) out[k]! += xr * W[r * cols + k]!;
    }
    return out;
  }

  /** One LSTM step in float64 for a single hypothesis. */
  cell(x: ArrayLike<number>, state: { h: ArrayLike<number>; c: ArrayLike<number> }): { gates: Gates; h64: Float64Array; c64: Float64Array } {
    const H = this.hiddenSize;
    const zx = this.vecMat(x, this.w['lstm/Wx'].data, 4 * H);
    const zh = this.vecMat(state.h, this.w['lstm/Wh'].data, 4 * H);
    const b = this.w['lstm/b'].data;
    const gates: Gates = { i: new Float32Array(H), f: new Float32Array(H), o: new Float32Array(H), g: new Float32Array(H), c: new Float32Array(H), h: new Float32Array(H) };
    const h64 = new Float64Array(H);
    const c64 = new Float64Array(H);
    for (let u = 0; u < H; u++) {
      const z = (blk: number) => zx[blk * H + u]! + zh[blk * H + u]! + b[blk * H + u]!;
      const i = sigmoid(z(0));
      const f = sigmoid(z(1));
      const o = sigmoid(z(2));
      const g = Math.tanh(z(3));
      c64[u] = f * state.c[u]! + i * g;
      h64[u] = o * Math.tanh(c64[u]!);
      gates.i[u] = i;
      gates.f[u] = f;
      gates.o[u] = o;
      gates.g[u] = g;
      gates.c[u] = c64[u]!;
      gates.h[u] = h64[u]!;
    }
    return { gates, h64, c64 };
  }

  imageEmbedding(feature: ArrayLike<number>): Float64Array {
    const E = this.config.embedDim;
    const x = this.vecMat(feature, this.w['image/Wi'].data, E);
    for (let e = 0; e < E; e++) x[e]! += this.w['image/bi'].data[e]!;
    return x;
  }

  wordEmbedding(token: number): Float64Array {
    const E = this.config.embedDim;
    return Float64Array.from(this.w['embedding/We'].data.subarray(token * E, (token + 1) * E));
  }

  logits(h: ArrayLike<number>): Float64Array {
    const out = this.vecMat(h, this.w['output/Wo'].data, this.vocabSize);
    for (let v = 0; v < this.vocabSize; v++) out[v]! += this.w['output/bo'].data[v]!;
    return out;
  }

  imageStep(feature: Float32Array): { state: LstmState; gates: Gates } {
    const H = this.hiddenSize;
    const { gates } = this.cell(this.imageEmbedding(feature), { h: new Float64Array(H), c: new Float64Array(H) });
    return { state: { h: gates.h, c: gates.c }, gates };
  }

  step(states: readonly LstmState[], tokens: readonly number[]) {
    const gates = states.map((s, b) => this.cell(this.wordEmbedding(tokens[b]!), s).gates);
    return {
      states: gates.map((g) => ({ h: g.h, c: g.c })),
      gates,
      logits: gates.map((g) => Float32Array.from(this.logits(g.h))),
    };
  }
}
