/** The arithmetic of `npm run bench:web` (src/bench/web-stats.ts): FLOP counts, FLOP bounds, goals, table. */
import { describe, expect, test } from 'vitest';
import { decodeFlops, flopBoundMs, formatReport, imageStepFlops, median, stepFlops, verdicts, type BenchReport, type DecoderDims } from '../../src/bench/web-stats';

const flickr: DecoderDims = { vocabSize: 3073, embedDim: 256, hiddenDim: 512, featureDim: 560 };

describe('FLOPs', () => {
  test('a word step is 2·B·(E·4H + H·4H + H·V)', () => {
    expect(stepFlops(1, flickr)).toBe(2 * (256 * 2048 + 512 * 2048 + 512 * 3073));
    expect(stepFlops(3, flickr)).toBe(3 * stepFlops(1, flickr));
    expect(stepFlops(1, { vocabSize: 8, embedDim: 5, hiddenDim: 6, featureDim: 560 })).toBe(2 * (5 * 24 + 6 * 24 + 6 * 8));
  });
  test('the image step has no output layer', () => {
    expect(imageStepFlops(flickr)).toBe(2 * (560 * 256 + 256 * 2048 + 512 * 2048));
  });
  test('a decode sums its steps, whatever their batch sizes', () => {
    expect(decodeFlops([1, 3, 3, 2], flickr)).toBe(imageStepFlops(flickr) + 9 * stepFlops(1, flickr));
    expect(decodeFlops([], flickr)).toBe(imageStepFlops(flickr));
  });
});

describe('FLOP bound', () => {
  test("each step at its own batch size's measured rate", () => {
    const rate = (b: number) => (b === 1 ? 1e6 : 2e6); // FLOP per ms
    const bound = flopBoundMs([1, 3], flickr, rate);
    expect(bound).toBeCloseTo(imageStepFlops(flickr) / 1e6 + stepFlops(1, flickr) / 1e6 + stepFlops(3, flickr) / 2e6, 9);
  });
  test('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('report', () => {
  const report: BenchReport = {
    backend: 'wasm',
    model: 'flickr8k',
    dims: flickr,
    runs: 15,
    photo: 'dog.jpg',
    encoderMs: 180,
    gflops: { 1: 4.2, 3: 9.1 },
    decoders: [
      { name: 'greedy', medianMs: 12, steps: 9, hypothesisSteps: 9, flops: 1e8, boundMs: 5, caption: 'a dog sits on a porch' },
      { name: 'beam 3', medianMs: 60, steps: 10, hypothesisSteps: 28, flops: 3e8, boundMs: 15, caption: 'a dog sits on a porch' },
    ],
  };
  test('verdicts against the goals', () => {
    expect(verdicts(report)).toEqual({ encoder: true, beam3: false, bound: { greedy: true, 'beam 3': false } });
  });
  test('the table says the numbers and the verdicts', () => {
    const text = formatReport(report);
    expect(text).toContain('| encoder (CenterNet, 512×512) | 180 ms | | | | | ≤ 400 ms: ok |');
    expect(text).toContain('| greedy | 12.0 ms | 9 (9) | 100.00 | 5.00 ms | 2.4× | ≤ 3× bound: ok |');
    expect(text).toContain('| beam 3 | 60.0 ms | 10 (28) | 300.00 | 15.0 ms | 4.0× | ≤ 50 ms: MISSED; ≤ 3× bound: MISSED |');
    expect(text).toMatch(/B=1: 4\.20, B=3: 9\.10/);
  });
});
