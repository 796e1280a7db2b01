/**
 * The frame-time and UMAP rows of `npm run bench`: the harnesses' output (src/bench/gate-frames.ts,
 * map-frames.ts, umap-recompute.ts) as scripts/bench.mjs parses it, and the statistics behind it.
 */
import { describe, expect, test } from 'vitest';
import { frameCells, parseFrames, parseUmap } from '../../scripts/bench.mjs';
import { median, medianSpread, quantile, spread } from '../../src/bench/frame-sampling';
import { appended, FRAME_HEADER, frameRow } from '../../src/bench/gate-frames';

const GATES = [
  'gate heat-map frame times: 512 units × 12 columns × 6 maps, model "flickr8k" (headless Chromium, wasm backend, load average 2.3, 3 runs)',
  FRAME_HEADER,
  '  run 1: idle 16.7 ms; step 40.1 / 90.0 ms (view 12.00 ms × 12); hover 16.8 / 33.0 ms (view 0.80 ms × 140)',
  'median of 3 runs:',
  frameRow('idle', { n: 40, median: 16.7, p95: 17.2, max: 20 }, null, 'nothing happening: the baseline'),
  frameRow('step', { n: 61, median: 40.12, p95: 90, max: 120.5 }, { n: 12, median: 12, p95: 15.5, max: 16 }, "12 step changes; own = the view's ms per repaint"),
  frameRow('hover', { n: 150, median: 16.8, p95: 33, max: 50 }, { n: 140, median: 0.8, p95: 1.25, max: 2 }, "150 pointer moves; own = the view's ms per hover frame"),
].join('\n');

describe('parseFrames', () => {
  test('reads the summary rows by phase, not the indented per-run lines or the header', () => {
    const { title, phases } = parseFrames(GATES);
    expect(title).toMatch(/^gate heat-map frame times: 512 units × 12 columns × 6 maps/);
    expect(Object.keys(phases).sort()).toEqual(['hover', 'idle', 'step']);
    expect(phases['step']).toEqual({ frames: 61, median: 40.1, p95: 90, max: 120.5, own50: 12, own95: 15.5, note: "12 step changes; own = the view's ms per repaint" });
    expect(phases['hover']?.own50).toBe(0.8);
    expect(phases['idle']?.own50).toBeNaN(); // no own timings for the baseline
  });
  test('a row of n/a (no frames sampled) parses as NaN rather than vanishing', () => {
    const { phases } = parseFrames(frameRow('zoom-pan', spread([]), spread([])));
    expect(phases['zoom-pan']?.frames).toBe(0);
    expect(phases['zoom-pan']?.median).toBeNaN();
  });
  test('output without summary rows gives no phases', () => {
    expect(parseFrames('Error: dist/explore/index.html is missing').phases).toEqual({});
  });
});

describe('frameCells', () => {
  test('median as the value; p95, the idle baseline and the fps limits as reference; own ms in the note', () => {
    const { phases } = parseFrames(GATES);
    expect(frameCells(phases['step'], phases['idle'], 'view per repaint')).toEqual({
      value: '40.1 ms median',
      reference: 'p95 90.0 ms; idle page 16.7 ms; 33.3 ms = 30 fps, 16.7 ms = 60 fps',
      note: 'view per repaint 12.00 ms median, p95 15.50 ms; 61 frames',
    });
    expect(frameCells(undefined, phases['idle'], 'x')).toBeNull();
  });
});

describe('parseUmap', () => {
  const out = [
    'umap recompute: 3,070 words of the committed model, n_neighbors 15, min_dist 0.1, seed 1 (shipped: 15, 0.1, 1) (headless Chromium, wasm backend, load average 2.1, 3 runs)',
    '  run 1: 31.2 s to Done (worker 30.9 s); 812 main-thread tasks, longest 21.4 ms CPU / 140 ms wall; Long Tasks API 130 ms',
    'median of 3 runs:',
    'recompute to Done: 31.5 s (worker 31.0 s)',
    'longest main-thread task, CPU: 22.5 ms (limit 100 ms)',
    'longest main-thread task, wall: 141 ms (2 tasks over 50 ms; Long Tasks API 133 ms)',
    'node layout, same code: 25.3 s wall, 20.1 s CPU (3070 words, one run, npm run layout\'s code in this process)',
  ].join('\n');
  test('reads the medians, the limit and the Node baseline', () => {
    expect(parseUmap(out)).toEqual({ words: '3,070', doneS: 31.5, workerS: 31, cpuMs: 22.5, limitMs: 100, wallMs: 141, over50: 2, longTaskMs: 133, node: { wallS: 25.3, cpuS: 20.1 } });
  });
  test('without the Node line (--no-node) the baseline is null; without the medians, nothing', () => {
    expect(parseUmap(out.split('\n').slice(0, -1).join('\n'))?.node).toBeNull();
    expect(parseUmap(out.split('\n').slice(0, 3).join('\n'))).toBeNull();
  });
});

describe('statistics', () => {
  test('quantile takes the element at ⌊q·n⌋; median averages the middle two', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(quantile([], 0.5)).toBeNaN();
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
  });
  test('the median of runs is taken field by field', () => {
    const runs = [spread([10, 20, 30]), spread([11, 21, 90]), spread([9, 19, 29])];
    expect(medianSpread(runs)).toEqual({ n: 3, median: 20, p95: 30, max: 30 });
  });
});

describe('appended: new entries of a rolling timing window', () => {
  test('while the window grows, the tail', () => {
    expect(appended([1, 2], [1, 2, 3, 4])).toEqual([3, 4]);
    expect(appended([], [5])).toEqual([5]);
    expect(appended([1, 2], [1, 2])).toEqual([]);
  });
  test('once full, the window slides: the overlap is found', () => {
    expect(appended([1, 2, 3, 4], [3, 4, 5, 6])).toEqual([5, 6]);
    expect(appended([1, 2, 3], [7, 8, 9])).toEqual([7, 8, 9]); // slid past everything
  });
});
