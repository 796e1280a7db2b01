/**
 * The numbers the gate view draws are the model's: for a real example (the committed model, the dog
 * photo encoded by CenterNet in Node), every column the view builds — the decoded paths and every beam
 * hypothesis — equals an independent float64 run of the LSTM from the exported weights, to 1e-4.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { beamNodeColumns, traceColumns, type GateColumn } from '../../src/components/views/gate-layout';
import { decoderName } from '../../src/lib/model-files';
import { encodeImage } from '../../src/model/encoder';
import { loadCaptioner, type Captioner } from '../../src/model/index';
import { ReferenceDecoder } from '../../src/model/reference';
import { beamSearch, DEFAULT_BEAM, greedy, sample } from '../../src/model/search';
import { GATE_NAMES, type Trace } from '../../src/model/trace';
import { loadWeights } from '../../src/model/weights';
import { decodeImageFile } from '../../src/train/decode-image';
import { centernetPath, initBackend, loadGraphModelFromFile } from '../../src/train/node-backend';
import { fsReader } from '../../src/train/node-files';

const ROOT = path.resolve(__dirname, '../..');
const MODEL_DIR = path.join(ROOT, 'public/models', decoderName(JSON.parse(readFileSync(path.join(ROOT, 'public/models/current.json'), 'utf8'))));

let captioner: Captioner;
let reference: ReferenceDecoder;
let feature: Float32Array;
let traces: Trace[];

beforeAll(async () => {
  await initBackend('wasm');
  const encoder = await loadGraphModelFromFile(centernetPath());
  try {
    feature = encodeImage(encoder, await decodeImageFile(path.join(ROOT, 'public/examples/dog.jpg'))).feature;
  } finally {
    encoder.dispose();
  }
  captioner = await loadCaptioner(fsReader(MODEL_DIR));
  const { config, weights } = await loadWeights(fsReader(MODEL_DIR));
  reference = new ReferenceDecoder(config, weights);
  const opts = { maxLength: DEFAULT_BEAM.maxLength, minLength: DEFAULT_BEAM.minLength };
  traces = [
    greedy(captioner.decoder, feature, opts),
    sample(captioner.decoder, feature, { ...opts, temperature: 1, sampleTopK: 0, seed: 5 }),
    beamSearch(captioner.decoder, feature, { ...opts, beamWidth: 3, alpha: 0, expansions: 5 }),
  ];
}, 120_000);

/** The LSTM in float64, state carried in float64, fed the image then the columns' inputs. */
type Columns64 = Record<(typeof GATE_NAMES)[number], Float64Array>;
function referenceColumns(inputs: number[]): Columns64[] {
  const H = reference.hiddenSize;
  const out: Columns64[] = [];
  let state: { h: ArrayLike<number>; c: ArrayLike<number> } = { h: new Float64Array(H), c: new Float64Array(H) };
  for (const x of [reference.imageEmbedding(feature), ...inputs.map((t) => reference.wordEmbedding(t))]) {
    const step = reference.cell(x, state);
    state = { h: step.h64, c: step.c64 };
    // c and h come carried in float64; cell() hands i, f, o, g over rounded to float32 (≈ 1e-7).
    out.push({ ...(Object.fromEntries(GATE_NAMES.map((g) => [g, Float64Array.from(step.gates[g])])) as Columns64), c: step.c64, h: step.h64 });
  }
  return out;
}

function worstDiff(columns: GateColumn[]): number {
  expect(columns[0]!.input).toBe(-1);
  const ref = referenceColumns(columns.slice(1).map((c) => c.input));
  let worst = 0;
  columns.forEach((col, k) => {
    for (const g of GATE_NAMES) {
      const a = col.gates[g];
      const b = ref[k]![g];
      expect(a.length).toBe(b.length);
      for (let u = 0; u < a.length; u++) worst = Math.max(worst, Math.abs(a[u]! - b[u]!));
    }
  });
  return worst;
}

describe(`gate columns of the committed model (${path.basename(MODEL_DIR)}) on the dog photo`, () => {
  it('the encoder gave a real feature', () => {
    expect(feature.length).toBe(captioner.decoder.config.featureDim);
    expect(Math.max(...feature)).toBeGreaterThan(0);
  });

  it('greedy, sampled and beam paths equal the float64 LSTM to 1e-4', () => {
    for (const trace of traces) {
      const columns = traceColumns(trace);
      expect(columns.length).toBe(trace.steps.length + 1);
      expect(worstDiff(columns)).toBeLessThan(1e-4);
    }
  });

  it('every expanded beam hypothesis (ancestors walked) equals the float64 LSTM to 1e-4', () => {
    const beam = traces[2]!;
    const expanded = beam.beam!.nodes.filter((n) => n.gates);
    expect(expanded.length).toBeGreaterThan(1);
    let worst = 0;
    for (const n of expanded) worst = Math.max(worst, worstDiff(beamNodeColumns(beam, n.id)!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('the check can fail: a wrong input word moves the numbers by far more than 1e-4', () => {
    const columns = traceColumns(traces[0]!);
    const wrong = columns.map((c, k) => (k === 1 ? { ...c, input: c.input === 3 ? 4 : 3 } : c));
    // Column 1's numbers are now compared with the LSTM fed another word.
    expect(worstDiff(wrong)).toBeGreaterThan(1e-3);
  });
});
