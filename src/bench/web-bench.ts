/**
 * Browser side of `npm run bench:web` (scripts/bench-web.mjs bundles this file with esbuild and
 * serves it on the built site's own origin, so the model and the wasm binaries come from dist/).
 * The page's own code paths: backend set-up, model loading, image decoding, encoder, searches.
 *
 * Exposes `window.__bench = { ready, run(options) }`; `run` resolves to one BenchReport (and its table) per decoder
 * benched: the committed decoder (models/current.json) and, when asked, a random-weight decoder of
 * a given size — the timing of a decode depends on the sizes, not on the weights' values, so that
 * measures the trained model's speed before it exists (its captions run to the maximum length, the
 * worst case, and the report shows the step counts used).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend';
import { loadLiveModel, type LiveModel } from '../lib/captioner';
import { decodeToRgb } from '../lib/image-decode';
import { encodeImage } from '../model/encoder';
import { TfDecoder } from '../model/decoder';
import { beamSearch, DEFAULT_BEAM, greedy } from '../model/search';
import type { Gates, LstmState, StepModel, Trace } from '../model/trace';
import { initWeights, type DecoderConfig } from '../model/weights';
import { decodeFlops, flopBoundMs, formatReport, median, type BenchReport, type DecoderDims, type DecoderRow } from './web-stats';

export interface BenchOptions {
  runs: number;
  photo: string;
  /** Also bench a random decoder of this size ([V, E, H]); null: only the committed one. */
  synthetic: [number, number, number] | null;
}

export interface WebBench {
  ready: Promise<string>;
  /** One report per decoder benched, and each as the printed table. */
  run(options: BenchOptions): Promise<{ reports: BenchReport[]; tables: string[] }>;
}

/** Records the batch size of every word step a search runs. */
class CountingModel implements StepModel {
  readonly batches: number[] = [];
  constructor(private readonly inner: StepModel) {}
  get vocabSize() {
    return this.inner.vocabSize;
  }
  get hiddenSize() {
    return this.inner.hiddenSize;
  }
  imageStep(feature: Float32Array): { state: LstmState; gates: Gates } {
    return this.inner.imageStep(feature);
  }
  step(states: readonly LstmState[], tokens: readonly number[]) {
    this.batches.push(states.length);
    return this.inner.step(states, tokens);
  }
}

function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Median of `runs` timings after two warm-up calls (the first call compiles kernels, allocates). */
function medianMs(runs: number, fn: () => void): number {
  fn();
  fn();
  return median(Array.from({ length: runs }, () => timeMs(fn)));
}

/**
 * FLOP/ms of one decoder step's three matMuls at batch size B, with the decoder's own weight
 * tensors and random inputs: a tight loop, one read-back at the end (the wasm backend computes
 * synchronously, so the loop times the kernels, not the read-backs the real decoder also pays).
 */
function matMulRate(decoder: TfDecoder, batch: number, d: DecoderDims): number {
  const Wx = decoder.params['lstm/Wx'] as tf.Tensor2D;
  const Wh = decoder.params['lstm/Wh'] as tf.Tensor2D;
  const Wo = decoder.params['output/Wo'] as tf.Tensor2D;
  const x = tf.randomNormal([batch, d.embedDim]) as tf.Tensor2D;
  const h = tf.randomNormal([batch, d.hiddenDim]) as tf.Tensor2D;
  const once = () => tf.dispose([tf.matMul(x, Wx), tf.matMul(h, Wh), tf.matMul(h, Wo)]);
  for (let w = 0; w < 5; w++) once();
  // Enough repetitions for ~50 ms of work, at least 20.
  const probe = timeMs(once) || 0.01;
  const reps = Math.max(20, Math.min(2000, Math.round(50 / probe)));
  const times: number[] = [];
  for (let trial = 0; trial < 5; trial++) {
    times.push(
      timeMs(() => {
        for (let r = 0; r < reps; r++) once();
        tf.tidy(() => tf.matMul(h, Wo)).dataSync();
      }) / reps,
    );
  }
  tf.dispose([x, h]);
  const flops = 2 * batch * (d.embedDim * 4 * d.hiddenDim + d.hiddenDim * 4 * d.hiddenDim + d.hiddenDim * d.vocabSize);
  return flops / median(times);
}

function captionOf(trace: Trace, words: readonly string[] | null): string {
  return trace.tokens.map((id) => (words ? (words[id] ?? `#${id}`) : `#${id}`)).join(' ');
}

function benchDecoder(name: string, decoder: TfDecoder, words: readonly string[] | null, feature: Float32Array, runs: number): Omit<BenchReport, 'backend' | 'runs' | 'photo' | 'encoderMs'> {
  const c = decoder.config;
  const dims: DecoderDims = { vocabSize: c.vocabSize, embedDim: c.embedDim, hiddenDim: c.hiddenDim, featureDim: c.featureDim };
  const configs: { name: string; run: (m: StepModel) => Trace }[] = [
    { name: 'greedy', run: (m) => greedy(m, feature, { maxLength: DEFAULT_BEAM.maxLength, minLength: DEFAULT_BEAM.minLength }) },
    { name: 'beam 3', run: (m) => beamSearch(m, feature, { ...DEFAULT_BEAM, beamWidth: 3 }) },
    { name: 'beam 10', run: (m) => beamSearch(m, feature, { ...DEFAULT_BEAM, beamWidth: 10 }) },
  ];
  const rates = new Map<number, number>();
  const rate = (b: number) => {
    if (!rates.has(b)) rates.set(b, matMulRate(decoder, b, dims));
    return rates.get(b)!;
  };
  const rows: DecoderRow[] = configs.map(({ name: rowName, run }) => {
    const counting = new CountingModel(decoder);
    const trace = run(counting);
    const medianMs_ = medianMs(runs, () => void run(decoder));
    return {
      name: rowName,
      medianMs: medianMs_,
      steps: counting.batches.length,
      hypothesisSteps: counting.batches.reduce((a, b) => a + b, 0),
      flops: decodeFlops(counting.batches, dims),
      boundMs: flopBoundMs(counting.batches, dims, rate),
      caption: captionOf(trace, words),
    };
  });
  const gflops = Object.fromEntries([...rates.entries()].sort((a, b) => a[0] - b[0]).map(([b, r]) => [b, r / 1e6]));
  return { model: name, dims, gflops, decoders: rows };
}

let model: LiveModel | null = null;

async function setUp(): Promise<string> {
  const backend = await initBackend(['wasm'], '/wasm/');
  model = await loadLiveModel('/');
  return backend;
}

async function run(options: BenchOptions): Promise<{ reports: BenchReport[]; tables: string[] }> {
  if (!model) throw new Error('bench: the model is not loaded (await __bench.ready first)');
  const m = model;
  const res = await fetch(`/examples/${options.photo}`);
  if (!res.ok) throw new Error(`bench: /examples/${options.photo}: HTTP ${res.status}`);
  const image = await decodeToRgb(await res.blob());
  let feature: Float32Array = new Float32Array(0);
  const encoderMs = medianMs(options.runs, () => {
    feature = encodeImage(m.encoder, image).feature;
  });
  const common = { backend: tf.getBackend(), runs: options.runs, photo: options.photo, encoderMs };
  const reports: BenchReport[] = [{ ...common, ...benchDecoder(m.decoderName, m.decoder, m.vocab.words, feature, options.runs) }];
  if (options.synthetic) {
    const [vocabSize, embedDim, hiddenDim] = options.synthetic;
    const config: DecoderConfig = { vocabSize, embedDim, hiddenDim, featureDim: feature.length };
    const synthetic = TfDecoder.fromWeights(config, initWeights(config, 1));
    try {
      reports.push({ ...common, ...benchDecoder(`random weights, ${vocabSize}×${embedDim}×${hiddenDim}`, synthetic, null, feature, options.runs) });
    } finally {
      synthetic.dispose();
    }
  }
  return { reports, tables: reports.map(formatReport) };
}

const w = window as unknown as { __bench: WebBench };
const ready = setUp();
ready.catch(() => {}); // reported when the script awaits it
w.__bench = { ready, run };
