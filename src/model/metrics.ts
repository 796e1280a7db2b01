/**
 * Caption metrics: BLEU-1..4, ROUGE-L and CIDEr-D, reproducing the coco-caption reference scorers
 * (pycocoevalcap `bleu_scorer.py`, `rouge.py` and the CIDEr-D `ciderD_scorer.py`) to 1e-6,
 * quirks included. Pure TypeScript: no DOM, no Node APIs, no dependencies.
 *
 * Every sentence is normalised with the same `tokenize` that feeds training and decoding, so the
 * scorers below work on token arrays where the Python code works on `s.split()`.
 */
import { tokenize } from './vocab';

export interface CaptionItem {
  candidate: string;
  references: string[];
}

export type MetricName = 'BLEU-1' | 'BLEU-2' | 'BLEU-3' | 'BLEU-4' | 'ROUGE-L' | 'CIDEr-D';
export type MetricScores = Record<MetricName, number>;

export const METRIC_NAMES: readonly MetricName[] = ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'ROUGE-L', 'CIDEr-D'];

/** Lowercase, every character outside [a-z0-9 ] becomes a space, split on whitespace. */
export function normalise(text: string): string[] {
  return tokenize(text);
}

// ---------------------------------------------------------------------------------------------
// n-gram counting (shared by BLEU and CIDEr-D: `precook` in both Python scorers)

/** Joins an n-gram into a map key; tokens never contain a space, so the key is unambiguous. */
function ngramCounts(words: readonly string[], maxN: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let k = 1; k <= maxN; k++) {
    for (let i = 0; i + k <= words.length; i++) {
      const key = words.slice(i, i + k).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** The order of an n-gram key (number of words in it). */
function ngramOrder(key: string): number {
  let n = 1;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 32) n++;
  return n;
}

function requireReferences(items: readonly CaptionItem[], what: string): void {
  items.forEach((it, i) => {
    if (it.references.length === 0) throw new Error(`${what}: item ${i} has no references`);
  });
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** `acc[k] += v`. Arrays here are allocated at full length; a read past the end becomes NaN, never a silent 0. */
function addAt(acc: number[], k: number, v: number): void {
  acc[k] = (acc[k] ?? Number.NaN) + v;
}

/** `acc[k] += xs[k]` for every k. */
function addAll(acc: number[], xs: readonly number[]): void {
  xs.forEach((x, k) => addAt(acc, k, x));
}

// ---------------------------------------------------------------------------------------------
// BLEU (bleu_scorer.py, option 'closest')

/**
 * Added to every numerator. With `SMALL` in the denominator it turns a precision of 0/0
 * ("no n-grams to guess") into 1e-6 rather than NaN, and 0/g into ~1e-15/g rather than 0, so
 * the geometric mean of a candidate with no 4-gram match is tiny but non-zero (e.g. 1.8e-05).
 */
const TINY = 1e-15;
/** Added to every denominator so that a zero count never divides by zero. */
const SMALL = 1e-9;

export interface BleuResult {
  /** Corpus BLEU-1..n from the counts summed over all items (index k is BLEU-(k+1)). */
  corpus: number[];
  /** Per-item BLEU-1..n. */
  perItem: number[][];
}

interface BleuStats {
  testLen: number;
  refLen: number;
  guess: number[];
  correct: number[];
}

function bleuStats(candidate: readonly string[], references: readonly (readonly string[])[], n: number): BleuStats {
  // Clip each candidate n-gram by its largest count in any single reference (cook_refs).
  const maxRefCounts = new Map<string, number>();
  for (const ref of references) {
    for (const [g, c] of ngramCounts(ref, n)) maxRefCounts.set(g, Math.max(maxRefCounts.get(g) ?? 0, c));
  }
  const testLen = candidate.length;
  // 'closest': the reference length nearest the candidate length; Python's
  // min((abs(l - testlen), l)) breaks ties towards the shorter reference.
  let refLen = Number.NaN;
  let bestDiff = Infinity;
  for (const ref of references) {
    const d = Math.abs(ref.length - testLen);
    if (d < bestDiff || (d === bestDiff && ref.length < refLen)) {
      bestDiff = d;
      refLen = ref.length;
    }
  }
  const guess = Array.from({ length: n }, (_, k) => Math.max(0, testLen - k));
  const correct = new Array<number>(n).fill(0);
  for (const [g, c] of ngramCounts(candidate, n)) {
    addAt(correct, ngramOrder(g) - 1, Math.min(maxRefCounts.get(g) ?? 0, c));
  }
  return { testLen, refLen, guess, correct };
}

/** BLEU-1..n of one set of (possibly summed) counts, brevity penalty included. */
function bleuFromStats(s: BleuStats): number[] {
  // BLEU-(k+1) is the geometric mean of the clipped precisions of orders 1..k+1.
  let product = 1;
  const out = s.guess.map((guess, k) => {
    product *= ((s.correct[k] ?? Number.NaN) + TINY) / (guess + SMALL);
    return product ** (1 / (k + 1));
  });
  // Brevity penalty; TINY/SMALL again only guard against 0/0.
  const ratio = (s.testLen + TINY) / (s.refLen + SMALL);
  if (ratio >= 1) return out;
  const bp = Math.exp(1 - 1 / ratio);
  return out.map((b) => b * bp);
}

export function bleu(items: readonly CaptionItem[], n = 4): BleuResult {
  requireReferences(items, 'bleu');
  const total: BleuStats = { testLen: 0, refLen: 0, guess: new Array(n).fill(0), correct: new Array(n).fill(0) };
  const perItem = items.map((item) => {
    const s = bleuStats(normalise(item.candidate), item.references.map(normalise), n);
    total.testLen += s.testLen;
    total.refLen += s.refLen;
    addAll(total.guess, s.guess);
    addAll(total.correct, s.correct);
    return bleuFromStats(s);
  });
  return { corpus: bleuFromStats(total), perItem };
}

// ---------------------------------------------------------------------------------------------
// ROUGE-L (rouge.py)

/** Weight of recall relative to precision in the F-measure, as in rouge.py. */
const ROUGE_BETA = 1.2;

/** Length of the longest common subsequence (the same dynamic programme as rouge.py's my_lcs, one row at a time). */
function lcsLength(a: readonly string[], b: readonly string[]): number {
  // row[j] = LCS of the words of `a` seen so far and b[0..j]; the zero column is implicit.
  let row = b.map(() => 0);
  for (const x of a) {
    let diag = 0; // previous row, column j-1
    let left = 0; // this row, column j-1
    row = row.map((up, j) => {
      const v = x === b[j] ? diag + 1 : Math.max(up, left);
      diag = up;
      left = v;
      return v;
    });
  }
  return row.at(-1) ?? 0;
}

/**
 * rouge.py tokenises with `s.split(" ")`, so an empty sentence is one empty token (length 1),
 * not zero tokens; reproduce that so an empty caption scores 0 instead of dividing by zero.
 */
function rougeTokens(text: string): string[] {
  return normalise(text).join(' ').split(' ');
}

/** ROUGE-L of one candidate: F-measure of the max LCS precision and the max LCS recall over references. */
export function rougeL(candidate: string, references: readonly string[]): number {
  if (references.length === 0) throw new Error('rougeL: at least one reference is required');
  const c = rougeTokens(candidate);
  let precMax = 0;
  let recMax = 0;
  for (const reference of references) {
    const r = rougeTokens(reference);
    const lcs = lcsLength(r, c);
    precMax = Math.max(precMax, lcs / c.length);
    recMax = Math.max(recMax, lcs / r.length);
  }
  if (precMax === 0 || recMax === 0) return 0;
  const b2 = ROUGE_BETA ** 2;
  return ((1 + b2) * precMax * recMax) / (recMax + b2 * precMax);
}

// ---------------------------------------------------------------------------------------------
// CIDEr-D (ciderD_scorer.py)

/** n-grams of order 1..4 are scored and averaged. */
const CIDER_N = 4;
/** Width of the gaussian length penalty exp(-delta^2 / (2 sigma^2)). */
const CIDER_SIGMA = 6;
/** coco-caption scales CIDEr-D by 10 so that typical scores sit around 1. */
const CIDER_SCALE = 10;

interface TfIdf {
  /** n-gram -> tf * idf (all orders in one map: a key's order is its word count). */
  vec: Map<string, number>;
  /** Per order (index n-1): Euclidean norm of that order's part of `vec`. */
  norm: number[];
  /** "Length" for the penalty. counts2vec in ciderD_scorer.py counts `n == 1` with n the zero-based
   *  order index, so this is the number of bigrams (words - 1), not the word count. It changes no
   *  score: the difference of two such lengths equals the difference of word counts whenever both
   *  sentences are non-empty, and an empty sentence scores 0 whatever its penalty. */
  length: number;
}

/** Per-item CIDEr-D; document frequencies come from the references of exactly these items. */
export function ciderD(items: readonly CaptionItem[]): { corpus: number; perItem: number[] } {
  requireReferences(items, 'ciderD');
  const score = ciderDScorer(items.map((it) => it.references));
  const perItem = items.map((it, i) => score(i, it.candidate));
  return { corpus: mean(perItem), perItem };
}

/**
 * CIDEr-D of any candidate against reference set `index`, with document frequencies fixed by
 * `referenceSets` (one "document" per set). `ciderD` scores a corpus against its own references;
 * self-critical training scores many sampled captions against the training set's references.
 */
export function ciderDScorer(referenceSets: readonly (readonly string[])[]): (index: number, candidate: string) => number {
  const cookedRefs = referenceSets.map((refs) => refs.map((r) => ngramCounts(normalise(r), CIDER_N)));

  // Document frequency: in how many reference sets each n-gram occurs.
  const df = new Map<string, number>();
  for (const refs of cookedRefs) {
    const seen = new Set<string>();
    for (const r of refs) for (const g of r.keys()) seen.add(g);
    for (const g of seen) df.set(g, (df.get(g) ?? 0) + 1);
  }
  // log(number of "documents", i.e. of reference sets). With a single set every idf is log(1) - log(1) = 0,
  // so CIDEr-D of a one-item corpus is 0 whatever the caption: it only means something over a set.
  const logDocs = Math.log(referenceSets.length);

  const toVec = (counts: Map<string, number>): TfIdf => {
    const vec = new Map<string, number>();
    const sq = new Array<number>(CIDER_N).fill(0);
    let length = 0;
    for (const [g, tf] of counts) {
      // max(1, df): an n-gram in no reference (df 0) gets idf log N instead of log 0 = -infinity.
      const v = tf * (logDocs - Math.log(Math.max(1, df.get(g) ?? 0)));
      const k = ngramOrder(g) - 1;
      vec.set(g, v);
      addAt(sq, k, v * v);
      if (k === 1) length += tf; // the bigram quirk, see TfIdf.length
    }
    return { vec, norm: sq.map(Math.sqrt), length };
  };

  /** Per-order cosine similarity (with clipping) times the length penalty. */
  const sim = (hyp: TfIdf, ref: TfIdf): number[] => {
    const dot = new Array<number>(CIDER_N).fill(0);
    for (const [g, h] of hyp.vec) {
      const r = ref.vec.get(g) ?? 0;
      // The "D" part 1: clip the candidate's weight by the reference's, so repeating a
      // matching n-gram cannot raise the score.
      addAt(dot, ngramOrder(g) - 1, Math.min(h, r) * r);
    }
    // The "D" part 2: a gaussian penalty on the length difference.
    const delta = hyp.length - ref.length;
    const penalty = Math.exp(-(delta * delta) / (2 * CIDER_SIGMA ** 2));
    return dot.map((d, k) => {
      const nh = hyp.norm[k] ?? 0;
      const nr = ref.norm[k] ?? 0;
      // As in Python: an all-zero vector leaves the (zero) dot product undivided.
      return (nh !== 0 && nr !== 0 ? d / (nh * nr) : d) * penalty;
    });
  };

  // Reference vectors are built on first use: a training run scores a set many times.
  const refVecs: (TfIdf[] | undefined)[] = new Array(referenceSets.length);
  return (index, candidate) => {
    const refs = (refVecs[index] ??= cookedRefs[index]!.map(toVec));
    const hyp = toVec(ngramCounts(normalise(candidate), CIDER_N));
    const score = new Array<number>(CIDER_N).fill(0);
    for (const r of refs) addAll(score, sim(hyp, r));
    // Mean over n-gram orders, then over references, then x10.
    return (mean(score) / refs.length) * CIDER_SCALE;
  };
}

// ---------------------------------------------------------------------------------------------

export interface CaptionScores {
  corpus: MetricScores;
  perItem: MetricScores[];
}

/** All six metrics, per item and over the corpus (BLEU from summed counts, ROUGE-L and CIDEr-D as means). */
export function scoreCaptions(items: readonly CaptionItem[]): CaptionScores {
  const b = bleu(items, 4);
  const rouge = items.map((it) => rougeL(it.candidate, it.references));
  const cider = ciderD(items);
  // A missing value would be a bug here; NaN makes it fail loudly instead of scoring 0.
  const pack = ([b1, b2, b3, b4]: readonly number[], r = Number.NaN, c = Number.NaN): MetricScores => ({
    'BLEU-1': b1 ?? Number.NaN,
    'BLEU-2': b2 ?? Number.NaN,
    'BLEU-3': b3 ?? Number.NaN,
    'BLEU-4': b4 ?? Number.NaN,
    'ROUGE-L': r,
    'CIDEr-D': c,
  });
  return {
    corpus: pack(b.corpus, mean(rouge), cider.corpus),
    perItem: b.perItem.map((bl, i) => pack(bl, rouge[i], cider.perItem[i])),
  };
}
