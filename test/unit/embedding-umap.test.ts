/** The seeded UMAP run (src/model/umap-layout.ts): reproducible, chunk-independent, exact k-NN, PCA below 15 words. */
import { describe, expect, test } from 'vitest';
import { nearest, normaliseRows } from '../../src/model/neighbours';
import { gaussian, mulberry32 } from '../../src/model/prng';
import { buildLayoutFile, computeLayout, deterministicMath, fdlibmExp, fdlibmLog, fdlibmPow, KnnBuilder, LayoutRun, MIN_UMAP_POINTS, normaliseCoords, parseLayoutFile, pca2, resolveSettings } from '../../src/model/umap-layout';

/** n random rows of `dim` values, in `clusters` well separated groups (so a good layout has structure to keep). */
function clustered(n: number, dim: number, clusters: number, seed: number): Float32Array {
  const g = gaussian(mulberry32(seed));
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => g() * 3));
  const rows = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) for (let e = 0; e < dim; e++) rows[r * dim + e] = centres[r % clusters]![e]! + g() * 0.3;
  return rows;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('seeded UMAP layout', () => {
  const rows = clustered(60, 12, 3, 7);
  const settings = { nNeighbors: 8, minDist: 0.1, seed: 1, nEpochs: 60 };

  test('the same seed gives the same layout, bit for bit', () => {
    const a = computeLayout(rows, 12, settings);
    const b = computeLayout(rows, 12, settings);
    expect(a.settings.method).toBe('umap');
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
  });

  test('another seed gives another layout', () => {
    const a = computeLayout(rows, 12, settings);
    const c = computeLayout(rows, 12, { ...settings, seed: 2 });
    expect(maxDiff(a.x, c.x)).toBeGreaterThan(0.05);
  });

  test('how the work is chunked (worker: 40 ms slices; Node: to the end) does not change the result', () => {
    const whole = computeLayout(rows, 12, settings);
    const run = new LayoutRun(rows, 12, settings);
    let clock = 0;
    let chunks = 0;
    // A fake clock that runs out after every unit of work: the smallest possible chunks.
    while (!run.done) {
      run.advance(1, () => (clock += 1));
      chunks++;
    }
    expect(chunks).toBeGreaterThan(60); // at least one chunk per epoch
    expect(Array.from(run.result().x)).toEqual(Array.from(whole.x));
    expect(Array.from(run.result().y)).toEqual(Array.from(whole.y));
  });

  test('reports progress through the phases, ending at 1', () => {
    const run = new LayoutRun(rows, 12, settings);
    const seen = new Set<string>();
    let last = -1;
    let clock = 0;
    while (!run.done) {
      const p = run.advance(3, () => (clock += 1));
      seen.add(p.phase);
      expect(p.fraction).toBeGreaterThanOrEqual(last);
      last = p.fraction;
    }
    expect([...seen]).toEqual(expect.arrayContaining(['neighbours', 'optimise', 'done']));
    expect(last).toBe(1);
    expect(run.settings.nEpochs).toBe(60);
  });

  test('keeps clusters apart: every point is nearer its own cluster’s centre than any other', () => {
    const { x, y } = computeLayout(rows, 12, { ...settings, nEpochs: 200 });
    const centre = (c: number) => {
      let cx = 0, cy = 0, n = 0;
      for (let i = c; i < 60; i += 3) (cx += x[i]!), (cy += y[i]!), n++;
      return [cx / n, cy / n] as const;
    };
    const centres = [0, 1, 2].map(centre);
    for (let i = 0; i < 60; i++) {
      const d = centres.map(([cx, cy]) => Math.hypot(x[i]! - cx, y[i]! - cy));
      expect(d.indexOf(Math.min(...d))).toBe(i % 3);
    }
  });

  test('coordinates are normalised: the larger extent spans exactly −1 … 1', () => {
    const { x, y } = computeLayout(rows, 12, settings);
    const ext = Math.max(Math.max(...x) - Math.min(...x), Math.max(...y) - Math.min(...y));
    expect(ext).toBeCloseTo(2, 5);
    expect(Math.max(...x.map(Math.abs), ...y.map(Math.abs))).toBeCloseTo(1, 5);
  });
});

describe('exact k-NN', () => {
  test('matches nearest() from the neighbour list (the same cosine order), the word itself first', () => {
    const dim = 10;
    const rows = normaliseRows(clustered(40, dim, 4, 3), dim);
    const knn = new KnnBuilder(rows, dim, 6);
    knn.advance(() => false);
    const { indices, distances } = knn.result();
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
    for (const i of [0, 5, 17, 39]) {
      expect(indices[i]![0]).toBe(i);
      expect(distances[i]![0]).toBe(0);
      const expected = nearest(rows, dim, words, i, 5, []).map((n) => n.id);
      expect(indices[i]!.slice(1)).toEqual(expected);
      // distance = √(2 − 2·cos), increasing
      const cos = nearest(rows, dim, words, i, 5, []).map((n) => n.cosine);
      distances[i]!.slice(1).forEach((d, j) => expect(d).toBeCloseTo(Math.sqrt(2 - 2 * cos[j]!), 5));
    }
  });

  test('is complete whichever way the rows are chunked', () => {
    const dim = 6;
    const rows = normaliseRows(clustered(30, dim, 2, 9), dim);
    const whole = new KnnBuilder(rows, dim, 5);
    whole.advance(() => false);
    const chunked = new KnnBuilder(rows, dim, 5);
    while (!chunked.done) chunked.advance(() => true); // one row per call
    expect(chunked.result()).toEqual(whole.result());
  });
});

describe('small vocabularies and settings', () => {
  test(`below ${MIN_UMAP_POINTS} words the layout is PCA, and still deterministic`, () => {
    const rows = clustered(8, 5, 2, 4);
    const a = computeLayout(rows, 5, { seed: 3 });
    const b = computeLayout(rows, 5, { seed: 3 });
    expect(a.settings.method).toBe('pca');
    expect(a.settings.knn).toBe('none');
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    // The first component separates the two groups (rows alternate between them).
    const side = (i: number) => Math.sign(a.x[i]!);
    for (let i = 2; i < 8; i++) expect(side(i)).toBe(side(i % 2));
    expect(side(0)).not.toBe(side(1));
  });

  test('PCA finds the direction of largest spread', () => {
    // Points on a line along (1, 2, 0) plus a little noise along z.
    const rows = new Float32Array([1, 2, 0.01, 2, 4, -0.01, -1, -2, 0.02, -2, -4, 0, 0.5, 1, -0.02]);
    const { x, y } = pca2(rows, 3, 1);
    const xs = Array.from(x);
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(100 * (Math.max(...y) - Math.min(...y)));
  });

  test('settings are clamped to what the data allows', () => {
    expect(resolveSettings({ nNeighbors: 500 }, 40).nNeighbors).toBe(39);
    expect(resolveSettings({ nNeighbors: 0 }, 40).nNeighbors).toBe(2);
    expect(resolveSettings({ minDist: 5 }, 40).minDist).toBe(0.99);
    expect(resolveSettings({}, 10).method).toBe('pca');
    expect(resolveSettings({}, 15).method).toBe('umap');
  });

  test('normaliseCoords keeps the aspect ratio and copes with one point', () => {
    const { x, y } = normaliseCoords([0, 4, 2], [0, 2, 1]);
    expect(Array.from(x)).toEqual([-1, 1, 0]);
    expect(Array.from(y)).toEqual([-0.5, 0.5, 0]);
    expect(Array.from(normaliseCoords([3], [3]).x)).toEqual([0]);
  });
});

describe('layout.json', () => {
  const result = computeLayout(clustered(20, 4, 2, 1), 4, { nEpochs: 20 });
  const args = {
    model: 'test',
    vocabSize: 23,
    ids: Array.from({ length: 20 }, (_, i) => i + 3),
    words: Array.from({ length: 20 }, (_, i) => `w${i}`),
    counts: Array.from({ length: 20 }, (_, i) => 100 - i),
    categories: ['animals'],
    category: Array.from({ length: 20 }, (_, i) => (i < 3 ? 0 : -1)),
    result,
    umapJs: '1.4.0',
  };

  test('round-trips through JSON and validation, coordinates rounded to 4 decimals', () => {
    const file = parseLayoutFile(JSON.parse(JSON.stringify(buildLayoutFile(args))));
    expect(file.words).toEqual(args.words);
    expect(file.settings.method).toBe('umap');
    expect(file.settings.umapJs).toBe('1.4.0');
    file.x.forEach((v, i) => expect(Math.abs(v - result.x[i]!)).toBeLessThanOrEqual(5e-5));
  });

  test('names what is wrong with a broken file', () => {
    const good = buildLayoutFile(args);
    expect(() => parseLayoutFile({ ...good, format: 'x' })).toThrow(/format/);
    expect(() => parseLayoutFile({ ...good, x: good.x.slice(1) })).toThrow(/"x" must have one entry per word/);
    expect(() => parseLayoutFile({ ...good, category: good.category.map(() => 4) })).toThrow(/category/);
    expect(() => parseLayoutFile({ ...good, y: good.y.map(() => null) })).toThrow(/"y" must hold finite numbers/);
    expect(() => buildLayoutFile({ ...args, words: args.words.slice(1) })).toThrow(/words has 19 entries for 20 words/);
  });
});

describe('engine-independent exp, log and pow', () => {
  const random = mulberry32(42);
  const xs = [...Array.from({ length: 4000 }, () => (random() - 0.5) * 60), ...Array.from({ length: 2000 }, () => random() * 1e-3), 1e-310, 5e-324, 700, -740];
  const ulps = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b) * Number.EPSILON, Number.MIN_VALUE));

  test('exp agrees with Math.exp to within one unit in the last place, specials included', () => {
    let worst = 0;
    for (const x of xs) worst = Math.max(worst, ulps(fdlibmExp(x), Math.exp(x)));
    expect(worst).toBeLessThanOrEqual(1);
    expect(fdlibmExp(0)).toBe(1);
    expect(fdlibmExp(Infinity)).toBe(Infinity);
    expect(fdlibmExp(-Infinity)).toBe(0);
    expect(fdlibmExp(800)).toBe(Infinity);
    expect(fdlibmExp(-800)).toBe(0);
    expect(fdlibmExp(NaN)).toBeNaN();
    expect(fdlibmExp(-720)).toBeCloseTo(Math.exp(-720), 320); // subnormal result
  });

  test('log agrees with Math.log to within one unit in the last place, specials included', () => {
    let worst = 0;
    for (const x of xs.map(Math.abs).filter((x) => x > 0)) worst = Math.max(worst, ulps(fdlibmLog(x), Math.log(x)));
    expect(worst).toBeLessThanOrEqual(1);
    expect(fdlibmLog(1)).toBe(0);
    expect(fdlibmLog(0)).toBe(-Infinity);
    expect(fdlibmLog(-1)).toBeNaN();
    expect(fdlibmLog(Infinity)).toBe(Infinity);
    expect(fdlibmLog(Math.E)).toBeCloseTo(1, 15);
  });

  test('pow covers what umap-js asks of it', () => {
    for (let i = 0; i < 2000; i++) {
      const x = random() * 20;
      const y = random() * 3 - 1.5;
      expect(Math.abs(fdlibmPow(x, y) - Math.pow(x, y))).toBeLessThanOrEqual(Math.abs(Math.pow(x, y)) * 1e-14);
    }
    expect(fdlibmPow(0, 0.9)).toBe(0);
    expect(fdlibmPow(0, -0.1)).toBe(Infinity);
    expect(fdlibmPow(3, 2)).toBe(9);
    expect(fdlibmPow(2, 0.5)).toBe(Math.SQRT2);
    expect(fdlibmPow(-2, 3)).toBeCloseTo(-8, 12);
    expect(fdlibmPow(-2, 0.5)).toBeNaN();
    expect(fdlibmPow(5, 0)).toBe(1);
  });

  test('deterministicMath swaps the three functions in only while the work runs, even when it throws', () => {
    const exp = Math.exp;
    expect(deterministicMath(() => Math.exp === fdlibmExp && Math.log === fdlibmLog && Math.pow === fdlibmPow)).toBe(true);
    expect(Math.exp).toBe(exp);
    expect(() => deterministicMath(() => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(Math.exp).toBe(exp);
    expect(Math.pow(2, 10)).toBe(1024);
  });
});
