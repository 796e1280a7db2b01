/**
 * The 2-D map of the word embeddings (issue #7): a seeded UMAP run, identical in Node (`npm run
 * layout`) and in the page's Web Worker ("Recompute live"), plus the layout.json file format.
 *
 * Reproducible by construction:
 * - umap-js has no seed option, so every random draw it makes goes through `mulberry32(seed)`;
 * - its approximate nearest-neighbour search is replaced by an exact k-NN by cosine, so the map's
 *   neighbourhoods are the same neighbours that `nearest()` lists (and no PRNG is involved there);
 * - the work is split into small chunks (`advance(budgetMs)`), so the worker can report progress
 *   and accept a cancel between chunks, while Node runs the same chunks back to back;
 * - JavaScript engines disagree in the last bit of Math.exp, Math.log and Math.pow (measured:
 *   Node 20's V8 and Chromium 156's differ on ~10 % of arguments), and UMAP's optimisation
 *   amplifies one-ulp differences into a different map. So while a layout runs, those three are
 *   swapped for fdlibm's algorithms written in plain arithmetic (`deterministicMath`), which every
 *   engine evaluates identically (IEEE 754 +, −, ×, ÷ and √ are exact).
 * With fewer than MIN_UMAP_POINTS words (the 8-word test fixture) UMAP is meaningless; the layout
 * falls back to PCA and says so in `method`.
 * Pure TypeScript: no DOM, no Node.
 */
import { UMAP } from 'umap-js';
import { normaliseRows } from './neighbours';
import { mulberry32, type Random } from './prng';
import { EMBEDDING_SPACES, type EmbeddingSpace } from './text-embedding';

export interface LayoutSettings {
  /** UMAP's n_neighbors: how many neighbours (the word itself included) shape each word's neighbourhood. */
  nNeighbors: number;
  /** UMAP's min_dist: how tightly neighbours may pack on the map (0 … 1). */
  minDist: number;
  seed: number;
  /** Optimisation epochs; omitted: umap-js's default for the number of words (500 up to 2,500 words). */
  nEpochs?: number;
}

export const DEFAULT_LAYOUT_SETTINGS: Readonly<Required<Omit<LayoutSettings, 'nEpochs'>>> = { nNeighbors: 15, minDist: 0.1, seed: 1 };
/** Below this many words the layout is PCA: UMAP needs neighbourhoods to work with. */
export const MIN_UMAP_POINTS = 15;
export const N_NEIGHBORS_RANGE = [2, 100] as const;
export const MIN_DIST_RANGE = [0, 0.99] as const;

export type LayoutMethod = 'umap' | 'pca';
export type LayoutPhase = 'neighbours' | 'init' | 'optimise' | 'done';

export interface LayoutProgress {
  phase: LayoutPhase;
  /** Work finished in this phase, out of `total` (rows for 'neighbours', epochs for 'optimise'). */
  done: number;
  total: number;
  /** Overall fraction 0 … 1 (k-NN counted as a fifth of the work). */
  fraction: number;
}

export interface ResolvedSettings {
  method: LayoutMethod;
  nNeighbors: number;
  minDist: number;
  seed: number;
  nEpochs: number;
  metric: 'cosine';
  /** 'exact': k-NN by cosine over all pairs; 'none': PCA needs no neighbours. */
  knn: 'exact' | 'none';
}

export interface LayoutCoords {
  /** Map coordinates, centred and scaled so the larger extent spans −1 … 1. */
  x: Float32Array;
  y: Float32Array;
}

export interface LayoutResult extends LayoutCoords {
  settings: ResolvedSettings;
}

/** Clamp settings into the ranges the controls allow (and to the number of words). */
export function resolveSettings(settings: Partial<LayoutSettings>, n: number): ResolvedSettings {
  const s = { ...DEFAULT_LAYOUT_SETTINGS, ...settings };
  const method: LayoutMethod = n < MIN_UMAP_POINTS ? 'pca' : 'umap';
  const nNeighbors = Math.round(Math.min(Math.max(s.nNeighbors, N_NEIGHBORS_RANGE[0]), N_NEIGHBORS_RANGE[1], Math.max(2, n - 1)));
  const minDist = Math.min(Math.max(s.minDist, MIN_DIST_RANGE[0]), MIN_DIST_RANGE[1]);
  return { method, nNeighbors, minDist, seed: s.seed >>> 0, nEpochs: method === 'pca' ? 0 : (s.nEpochs ?? 0), metric: 'cosine', knn: method === 'pca' ? 'none' : 'exact' };
}

/**
 * Exact k nearest neighbours of every row by cosine similarity, the row itself first (as umap-js's
 * own search returns it). Distances are Euclidean between unit vectors, √(2 − 2·cos), a monotone
 * function of cosine. Ties go to the lower index, so the result does not depend on the order of work.
 * Computed row block by row block (`KnnBuilder.advance`) so a worker can report progress.
 */
export class KnnBuilder {
  readonly n: number;
  private readonly dist: Float64Array;
  private readonly idx: Int32Array;
  private row = 0;

  constructor(private readonly unit: Float32Array, private readonly dim: number, readonly k: number) {
    this.n = unit.length / dim;
    this.dist = new Float64Array(this.n * k).fill(Infinity);
    this.idx = new Int32Array(this.n * k).fill(-1);
  }

  get rowsDone(): number {
    return this.row;
  }
  get done(): boolean {
    return this.row >= this.n;
  }

  /** Offer neighbour j at distance d to row i's sorted list (insertion into k slots). */
  private offer(i: number, j: number, d: number): void {
    const { k, dist, idx } = this;
    const base = i * k;
    const last = base + k - 1;
    if (d > dist[last]! || (d === dist[last]! && j > idx[last]! && idx[last]! >= 0)) return;
    let p = last;
    while (p > base && (dist[p - 1]! > d || (dist[p - 1]! === d && idx[p - 1]! > j))) {
      dist[p] = dist[p - 1]!;
      idx[p] = idx[p - 1]!;
      p--;
    }
    dist[p] = d;
    idx[p] = j;
  }

  /**
   * Process rows until `deadline()` is true (checked between rows). Each row is compared with the
   * rows after it and both lists are updated, so the work halves; a row's list is final once every
   * row before it and itself are done.
   */
  advance(deadline: () => boolean): void {
    const { unit, dim, n } = this;
    while (this.row < n) {
      const i = this.row++;
      this.offer(i, i, 0);
      const a = i * dim;
      for (let j = i + 1; j < n; j++) {
        const b = j * dim;
        // Four partial sums: about twice as fast as one in V8, and the same in Node and the browser.
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        let e = 0;
        for (; e + 3 < dim; e += 4) {
          s0 += unit[a + e]! * unit[b + e]!;
          s1 += unit[a + e + 1]! * unit[b + e + 1]!;
          s2 += unit[a + e + 2]! * unit[b + e + 2]!;
          s3 += unit[a + e + 3]! * unit[b + e + 3]!;
        }
        for (; e < dim; e++) s0 += unit[a + e]! * unit[b + e]!;
        const d = Math.sqrt(Math.max(0, 2 - 2 * (s0 + s1 + s2 + s3)));
        this.offer(i, j, d);
        this.offer(j, i, d);
      }
      if (deadline()) return;
    }
  }

  result(): { indices: number[][]; distances: number[][] } {
    const indices: number[][] = [];
    const distances: number[][] = [];
    for (let i = 0; i < this.n; i++) {
      indices.push(Array.from(this.idx.subarray(i * this.k, (i + 1) * this.k)));
      distances.push(Array.from(this.dist.subarray(i * this.k, (i + 1) * this.k)));
    }
    return { indices, distances };
  }
}

/** The first two principal components of the rows (power iteration with deflation, seeded start). */
export function pca2(rows: Float32Array, dim: number, seed: number): LayoutCoords {
  const n = rows.length / dim;
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let e = 0; e < dim; e++) mean[e]! += rows[r * dim + e]! / n;
  const centred = new Float64Array(n * dim);
  for (let r = 0; r < n; r++) for (let e = 0; e < dim; e++) centred[r * dim + e] = rows[r * dim + e]! - mean[e]!;
  const random = mulberry32(seed);
  const axes: Float64Array[] = [];
  const coords = [new Float32Array(n), new Float32Array(n)];
  for (const out of coords) {
    let v = new Float64Array(dim).map(() => random() - 0.5);
    for (let iter = 0; iter < 200; iter++) {
      // w = Xᵀ(X v), minus the components already found.
      const xv = new Float64Array(n);
      for (let r = 0; r < n; r++) for (let e = 0; e < dim; e++) xv[r]! += centred[r * dim + e]! * v[e]!;
      const w = new Float64Array(dim);
      for (let r = 0; r < n; r++) for (let e = 0; e < dim; e++) w[e]! += centred[r * dim + e]! * xv[r]!;
      for (const a of axes) {
        let p = 0;
        for (let e = 0; e < dim; e++) p += w[e]! * a[e]!;
        for (let e = 0; e < dim; e++) w[e]! -= p * a[e]!;
      }
      let sq = 0;
      for (let e = 0; e < dim; e++) sq += w[e]! * w[e]!;
      const norm = Math.sqrt(sq); // not Math.hypot: engines may round it differently
      if (norm < 1e-12) break; // no variance left along any new direction
      v = w.map((x) => x / norm);
    }
    // Fix the sign (an eigenvector's sign is arbitrary): the largest entry is positive.
    let big = 0;
    for (let e = 0; e < dim; e++) if (Math.abs(v[e]!) > Math.abs(v[big]!)) big = e;
    if (v[big]! < 0) v = v.map((x) => -x);
    axes.push(v);
    for (let r = 0; r < n; r++) {
      let p = 0;
      for (let e = 0; e < dim; e++) p += centred[r * dim + e]! * v[e]!;
      out[r] = p;
    }
  }
  return { x: coords[0]!, y: coords[1]! };
}

/** Centre on the bounding box and scale uniformly so the larger extent spans −1 … 1 (keeps the aspect). */
export function normaliseCoords(x: ArrayLike<number>, y: ArrayLike<number>): LayoutCoords {
  const n = x.length;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, x[i]!);
    x1 = Math.max(x1, x[i]!);
    y0 = Math.min(y0, y[i]!);
    y1 = Math.max(y1, y[i]!);
  }
  const half = Math.max(x1 - x0, y1 - y0) / 2;
  const s = half > 0 ? 1 / half : 1;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const ox = new Float32Array(n);
  const oy = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    ox[i] = n > 0 && half > 0 ? (x[i]! - cx) * s : 0;
    oy[i] = n > 0 && half > 0 ? (y[i]! - cy) * s : 0;
  }
  return { x: ox, y: oy };
}

// ---------------------------------------------------------------------------------------------
// Engine-independent exp, log and pow (ports of fdlibm's e_exp.c and e_log.c; error < 1 ulp).

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the high (sign + exponent) word of a double in `u32`. */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700e0;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;
const TWO_M1000 = 9.33263618503218878990e-302;

export function fdlibmExp(x: number): number {
  f64[0] = x;
  const hxRaw = u32[HI]!;
  const xsb = hxRaw >>> 31;
  const hx = hxRaw & 0x7fffffff;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) return ((hx & 0xfffff) | u32[LO]!) !== 0 ? x + x : xsb === 0 ? x : 0;
    if (x > 7.09782712893383973096e2) return Infinity;
    if (x < -7.45133219101941108420e2) return 0;
  }
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      hi = xsb === 0 ? x - LN2_HI : x + LN2_HI;
      lo = xsb === 0 ? LN2_LO : -LN2_LO;
      k = 1 - xsb - xsb;
    } else {
      k = Math.trunc(INV_LN2 * x + (xsb === 0 ? 0.5 : -0.5));
      hi = x - k * LN2_HI;
      lo = k * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) return 1 + x;
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2) - x);
  let y = 1 - (lo - (x * c) / (2 - c) - hi);
  const kk = k >= -1021 ? k : k + 1000;
  f64[0] = y;
  u32[HI] = (u32[HI]! + (kk << 20)) >>> 0;
  y = f64[0];
  return k >= -1021 ? y : y * TWO_M1000;
}

const TWO54 = 1.8014398509481984e16;
const LG1 = 6.666666666666735130e-1;
const LG2 = 3.999999999940941908e-1;
const LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1;
const LG5 = 1.818357216161805012e-1;
const LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;

export function fdlibmLog(x: number): number {
  f64[0] = x;
  let hx = u32[HI]! | 0;
  const lx = u32[LO]!;
  let k = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54;
    f64[0] = x;
    hx = u32[HI]! | 0;
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  f64[0] = x;
  u32[HI] = (hx | (i0 ^ 0x3ff00000)) >>> 0;
  x = f64[0];
  k += i0 >> 20;
  const f = x - 1;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f === 0) return k === 0 ? 0 : k * LN2_HI + k * LN2_LO;
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - R : k * LN2_HI - (R - k * LN2_LO - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const i = (hx - 0x6147a) | (0x6b851 - hx);
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + R)) : k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
  }
  return k === 0 ? f - s * (f - R) : k * LN2_HI - (s * (f - R) - k * LN2_LO - f);
}

/** x^y as exp(y·log x), exact for the cases UMAP leans on (y = 0, 1, 2, ½; x = 0). */
export function fdlibmPow(x: number, y: number): number {
  if (y === 0) return 1;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (y === 1) return x;
  if (y === 2) return x * x;
  if (y === 0.5 && x >= 0) return Math.sqrt(x);
  if (x === 0) return y > 0 ? 0 : Infinity;
  if (x < 0) {
    if (!Number.isInteger(y)) return NaN;
    const m = fdlibmExp(y * fdlibmLog(-x));
    return y % 2 === 0 ? m : -m;
  }
  return fdlibmExp(y * fdlibmLog(x));
}

/**
 * Run `work` with Math.exp, Math.log and Math.pow replaced by the functions above, so umap-js (which
 * calls them) computes the same bits in every engine. Restored before returning, even on a throw;
 * JavaScript is single-threaded, so no other code sees the swap.
 */
export function deterministicMath<T>(work: () => T): T {
  const m = Math as unknown as Record<'exp' | 'log' | 'pow', (...a: number[]) => number>;
  const saved = { exp: m.exp, log: m.log, pow: m.pow };
  m.exp = fdlibmExp;
  m.log = fdlibmLog;
  m.pow = fdlibmPow;
  try {
    return work();
  } finally {
    Object.assign(m, saved);
  }
}

/** Share of the progress bar the exact k-NN takes (it is about a fifth of the time for 3,000 words). */
const KNN_SHARE = 0.2;

/**
 * One layout computation, advanced in chunks. `rows` are the words' embedding rows (n × dim); they
 * are unit-normalised here, so the layout is by cosine like the neighbour lists.
 */
export class LayoutRun {
  readonly n: number;
  private readonly resolved: ResolvedSettings;
  private readonly unit: Float32Array;
  private readonly random: Random;
  private knn: KnnBuilder | null = null;
  private umap: UMAP | null = null;
  private epoch = 0;
  private phase: LayoutPhase;
  private final: LayoutCoords | null = null;

  constructor(rows: Float32Array, readonly dim: number, settings: Partial<LayoutSettings> = {}) {
    if (dim <= 0 || rows.length % dim !== 0) throw new Error(`layout: ${rows.length} values are not rows of ${dim}`);
    this.n = rows.length / dim;
    this.resolved = resolveSettings(settings, this.n);
    this.unit = normaliseRows(rows, dim);
    this.random = mulberry32(this.settings.seed);
    this.phase = this.settings.method === 'pca' ? 'done' : 'neighbours';
    if (this.settings.method === 'pca') {
      this.final = this.n > 0 ? normaliseCoords(...xy(pca2(this.unit, dim, this.settings.seed))) : { x: new Float32Array(0), y: new Float32Array(0) };
    } else this.knn = new KnnBuilder(this.unit, dim, this.settings.nNeighbors);
  }

  /** The settings in use; nEpochs is filled in once umap-js has chosen it (after the k-NN). */
  get settings(): Readonly<ResolvedSettings> {
    return this.resolved;
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  get progress(): LayoutProgress {
    const s = this.settings;
    switch (this.phase) {
      case 'neighbours':
        return { phase: 'neighbours', done: this.knn!.rowsDone, total: this.n, fraction: (KNN_SHARE * this.knn!.rowsDone) / this.n };
      case 'init':
        return { phase: 'init', done: 0, total: 1, fraction: KNN_SHARE };
      case 'optimise':
        return { phase: 'optimise', done: this.epoch, total: s.nEpochs, fraction: KNN_SHARE + ((1 - KNN_SHARE) * this.epoch) / Math.max(1, s.nEpochs) };
      case 'done':
        return { phase: 'done', done: 1, total: 1, fraction: 1 };
    }
  }

  /**
   * Work for about `budgetMs` (checked between rows and epochs; umap-js's initialisation is one
   * indivisible chunk), then return. `now` is injectable for tests.
   */
  advance(budgetMs = Infinity, now: () => number = () => performance.now()): LayoutProgress {
    return deterministicMath(() => this.work(budgetMs, now));
  }

  private work(budgetMs: number, now: () => number): LayoutProgress {
    const end = now() + budgetMs;
    const late = () => now() >= end;
    while (this.phase !== 'done') {
      if (this.phase === 'neighbours') {
        this.knn!.advance(late);
        if (!this.knn!.done) break;
        this.phase = 'init';
      } else if (this.phase === 'init') {
        const { indices, distances } = this.knn!.result();
        this.knn = null;
        const s = this.settings;
        this.umap = new UMAP({ nComponents: 2, nNeighbors: s.nNeighbors, minDist: s.minDist, random: this.random, ...(s.nEpochs > 0 ? { nEpochs: s.nEpochs } : {}) });
        this.umap.setPrecomputedKNN(indices, distances);
        const X: number[][] = [];
        for (let r = 0; r < this.n; r++) X.push(Array.from(this.unit.subarray(r * this.dim, (r + 1) * this.dim)));
        this.resolved.nEpochs = this.umap.initializeFit(X);
        this.phase = 'optimise';
      } else {
        while (this.epoch < this.settings.nEpochs) {
          this.epoch = this.umap!.step();
          if (late()) break;
        }
        if (this.epoch >= this.settings.nEpochs) {
          this.final = this.current();
          this.umap = null;
          this.phase = 'done';
        }
      }
      if (late()) break;
    }
    return this.progress;
  }

  /** The coordinates so far (normalised), for drawing the map while it converges; null before the optimisation starts. */
  current(): LayoutCoords | null {
    if (this.final) return { x: this.final.x.slice(), y: this.final.y.slice() }; // a copy: the worker transfers (detaches) what it sends
    if (!this.umap) return null;
    const e = this.umap.getEmbedding();
    return normaliseCoords(
      e.map((p) => p[0]!),
      e.map((p) => p[1]!),
    );
  }

  result(): LayoutResult {
    if (!this.final) throw new Error('layout: result() before the run is done');
    return { x: this.final.x.slice(), y: this.final.y.slice(), settings: { ...this.settings } };
  }
}

const xy = (c: LayoutCoords) => [c.x, c.y] as const;

/** Run a layout to the end (Node, tests). */
export function computeLayout(rows: Float32Array, dim: number, settings: Partial<LayoutSettings> = {}, onProgress?: (p: LayoutProgress) => void): LayoutResult {
  const run = new LayoutRun(rows, dim, settings);
  while (!run.done) {
    const progress = run.advance(500); // not inside `onProgress?.(…)`: that would skip the call when there is no callback
    onProgress?.(progress);
  }
  return run.result();
}

// ---------------------------------------------------------------------------------------------
// layout.json: what `npm run layout` writes next to a model and the page paints at once.

export const LAYOUT_FORMAT = 'show-and-tell-embedding-layout';

export interface LayoutFile {
  format: typeof LAYOUT_FORMAT;
  version: 1;
  /** The model folder it was computed from, e.g. "flickr8k". */
  model: string;
  /** Which vectors were laid out: the decoder's W_e (the default when absent) or the text-only skip-gram vectors. */
  embedding?: EmbeddingSpace;
  /** Vocabulary size of that model; the page checks it against the live model's. */
  vocabSize: number;
  settings: ResolvedSettings & { umapJs: string };
  /** One entry per mapped word (the special tokens are left out: they have no meaning as neighbours). */
  ids: number[];
  words: string[];
  /** Map coordinates, −1 … 1, rounded to 4 decimals. */
  x: number[];
  y: number[];
  /** How often each word occurs in the training captions (0 when the vocabulary records no counts). */
  counts: number[];
  /** Category names in legend order, and each word's index into them (-1: other). */
  categories: string[];
  category: number[];
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

export function buildLayoutFile(args: {
  model: string;
  vocabSize: number;
  ids: readonly number[];
  words: readonly string[];
  counts: readonly number[];
  categories: readonly string[];
  category: readonly number[];
  result: LayoutResult;
  umapJs: string;
  embedding?: EmbeddingSpace;
}): LayoutFile {
  const n = args.ids.length;
  for (const [name, arr] of [['words', args.words], ['counts', args.counts], ['category', args.category], ['x', args.result.x]] as const) {
    if (arr.length !== n) throw new Error(`layout file: ${name} has ${arr.length} entries for ${n} words`);
  }
  return {
    format: LAYOUT_FORMAT,
    version: 1,
    model: args.model,
    ...(args.embedding && args.embedding !== 'decoder' ? { embedding: args.embedding } : {}),
    vocabSize: args.vocabSize,
    settings: { ...args.result.settings, umapJs: args.umapJs },
    ids: [...args.ids],
    words: [...args.words],
    x: Array.from(args.result.x, round4),
    y: Array.from(args.result.y, round4),
    counts: [...args.counts],
    categories: [...args.categories],
    category: [...args.category],
  };
}

/** Validate a parsed layout.json; every problem is named, so a stale or hand-edited file explains itself. */
export function parseLayoutFile(json: unknown): LayoutFile {
  const f = json as Partial<LayoutFile> | null;
  if (!f || f.format !== LAYOUT_FORMAT) throw new Error(`layout.json: format must be "${LAYOUT_FORMAT}"`);
  if (f.version !== 1) throw new Error(`layout.json: unsupported version ${String(f.version)}`);
  const n = Array.isArray(f.ids) ? f.ids.length : -1;
  if (n < 0) throw new Error('layout.json: "ids" is missing');
  for (const key of ['words', 'x', 'y', 'counts', 'category'] as const) {
    const arr = f[key];
    if (!Array.isArray(arr) || arr.length !== n) throw new Error(`layout.json: "${key}" must have one entry per word (${n})`);
  }
  if (!f.words!.every((w) => typeof w === 'string')) throw new Error('layout.json: "words" must be strings');
  for (const key of ['ids', 'x', 'y', 'counts', 'category'] as const) {
    if (!f[key]!.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new Error(`layout.json: "${key}" must hold finite numbers`);
  }
  if (!Array.isArray(f.categories) || !f.categories.every((c) => typeof c === 'string')) throw new Error('layout.json: "categories" must be a list of names');
  if (!f.category!.every((c) => Number.isInteger(c) && c >= -1 && c < f.categories!.length)) throw new Error('layout.json: "category" indices out of range');
  if (typeof f.vocabSize !== 'number' || typeof f.model !== 'string' || !f.settings) throw new Error('layout.json: "model", "vocabSize" and "settings" are required');
  if (f.embedding !== undefined && !(EMBEDDING_SPACES as readonly string[]).includes(f.embedding)) throw new Error(`layout.json: unknown "embedding" ${JSON.stringify(f.embedding)}`);
  return f as LayoutFile;
}
