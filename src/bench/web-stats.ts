/**
 * Arithmetic and the printed table of `npm run bench:web` (pure, unit-tested): medians, the matMul
 * FLOPs of a decode, its FLOP-bound time from matMul rates measured in the same page, and the goals.
 *
 * A decoder step for B hypotheses runs three matMuls (src/model/decoder.ts, lstm.ts):
 *   x·W_x  [B,E]·[E,4H]     h·W_h  [B,H]·[H,4H]     h·W_o  [B,H]·[H,V]
 * and the image step runs f·W_I [1,F]·[F,E] and the two LSTM products for B = 1. A matMul of
 * [m,k]·[k,n] is 2·m·k·n FLOPs. Everything else (gates, softmax, sorting) is counted as overhead:
 * the ratio measured / bound says how much of the time is not matMul.
 */

export interface DecoderDims {
  vocabSize: number;
  embedDim: number;
  hiddenDim: number;
  featureDim: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** FLOPs of one word step for `batch` hypotheses. */
export function stepFlops(batch: number, d: DecoderDims): number {
  const H4 = 4 * d.hiddenDim;
  return 2 * batch * (d.embedDim * H4 + d.hiddenDim * H4 + d.hiddenDim * d.vocabSize);
}

/** FLOPs of the image step (x₋₁ = f·W_I, then the LSTM, no output layer). */
export function imageStepFlops(d: DecoderDims): number {
  return 2 * (d.featureDim * d.embedDim + d.embedDim * 4 * d.hiddenDim + d.hiddenDim * 4 * d.hiddenDim);
}

/** FLOPs of a whole decode, from the batch size of each word step it ran. */
export function decodeFlops(batches: readonly number[], d: DecoderDims): number {
  return imageStepFlops(d) + batches.reduce((sum, b) => sum + stepFlops(b, d), 0);
}

/**
 * The FLOP-bound time of a decode: each step's FLOPs at the rate its batch size reached in the
 * matMul measurement (`rate(B)` in FLOP/ms). Matrix–vector products are memory-bound, so the rate
 * grows with B; using the same B's rate keeps the bound honest.
 */
export function flopBoundMs(batches: readonly number[], d: DecoderDims, rate: (batch: number) => number): number {
  return imageStepFlops(d) / rate(1) + batches.reduce((sum, b) => sum + stepFlops(b, d) / rate(b), 0);
}

export interface DecoderRow {
  name: string;
  medianMs: number;
  /** Word steps run (the length of the longest hypothesis). */
  steps: number;
  /** Σ batch over steps: hypotheses advanced one word. */
  hypothesisSteps: number;
  flops: number;
  boundMs: number;
  /** The caption found, for the reader's eye (the decoder's words). */
  caption: string;
}

export interface BenchReport {
  backend: string;
  model: string;
  dims: DecoderDims;
  runs: number;
  photo: string;
  encoderMs: number;
  /** Measured matMul rate per batch size, GFLOP/s. */
  gflops: Record<number, number>;
  decoders: DecoderRow[];
}

export const GOALS = { encoderMs: 400, beam3Ms: 50, boundRatio: 3 } as const;

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** The decoder rows' verdicts against the goals ("ok" / "MISSED"), kept separate for the tests. */
export function verdicts(r: BenchReport): { encoder: boolean; beam3: boolean | null; bound: Record<string, boolean> } {
  const beam3 = r.decoders.find((d) => d.name === 'beam 3');
  return {
    encoder: r.encoderMs <= GOALS.encoderMs,
    beam3: beam3 ? beam3.medianMs <= GOALS.beam3Ms : null,
    bound: Object.fromEntries(r.decoders.map((d) => [d.name, d.medianMs / d.boundMs <= GOALS.boundRatio])),
  };
}

export function formatReport(r: BenchReport): string {
  const v = verdicts(r);
  const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  const { vocabSize: V, embedDim: E, hiddenDim: H } = r.dims;
  const rates = Object.entries(r.gflops)
    .map(([b, g]) => `B=${b}: ${g.toFixed(2)}`)
    .join(', ');
  const lines = [
    `Browser bench (${r.backend} backend, median of ${r.runs} runs, photo ${r.photo}) — decoder "${r.model}" (V=${V}, E=${E}, H=${H})`,
    `matMul rate measured in the page, GFLOP/s per batch size (decoder step shapes [B,E]·[E,4H], [B,H]·[H,4H], [B,H]·[H,V]): ${rates}`,
    '',
    '| stage | median | word steps (hypothesis·steps) | matMul MFLOP | FLOP bound | measured / bound | goal |',
    '|---|---:|---:|---:|---:|---:|---|',
    `| encoder (CenterNet, 512×512) | ${ms(r.encoderMs)} ms | | | | | ≤ ${GOALS.encoderMs} ms: ${mark(v.encoder)} |`,
    ...r.decoders.map((d) => {
      const ratio = d.medianMs / d.boundMs;
      const goals = [`≤ ${GOALS.boundRatio}× bound: ${mark(v.bound[d.name]!)}`];
      if (d.name === 'beam 3') goals.unshift(`≤ ${GOALS.beam3Ms} ms: ${mark(v.beam3!)}`);
      return `| ${d.name} | ${ms(d.medianMs)} ms | ${d.steps} (${d.hypothesisSteps}) | ${(d.flops / 1e6).toFixed(2)} | ${ms(d.boundMs)} ms | ${ratio.toFixed(1)}× | ${goals.join('; ')} |`;
    }),
    '',
    ...r.decoders.map((d) => `${d.name}: "${d.caption}"`),
  ];
  return lines.join('\n');
}
