/**
 * Pure helpers of the embedding map (issue #7): data in, drawing data out. No DOM, no canvas, so
 * every rule here (categories, dot sizes, which words get labels, the caption path, the guided
 * horse/pony/donkey group, search matches) is unit-tested in Node.
 */
import type { LayoutFile } from '../../model/umap-layout';

// ---- Categories ---------------------------------------------------------------------------------

export interface CategoryList {
  order: string[];
  categories: Record<string, string[]>;
}

/** Each word's category index into `order` (-1: other). The first category that lists a word wins. */
export function categorise(words: readonly string[], list: CategoryList): { categories: string[]; category: number[] } {
  const of = new Map<string, number>();
  list.order.forEach((name, c) => {
    for (const w of list.categories[name] ?? []) if (!of.has(w)) of.set(w, c);
  });
  return { categories: [...list.order], category: words.map((w) => of.get(w) ?? -1) };
}

// ---- Dot sizes and label priority ---------------------------------------------------------------

export const RADIUS_RANGE = [1.6, 6] as const;

/** Dot radius (CSS px at zoom 1) from how often the word occurs: logarithmic, so "a" does not swamp the map. */
export function dotRadii(counts: readonly number[]): Float32Array {
  const max = counts.reduce((m, c) => Math.max(m, c), 0);
  const [lo, hi] = RADIUS_RANGE;
  return Float32Array.from(counts, (c) => (max > 0 ? lo + ((hi - lo) * Math.log1p(Math.max(0, c))) / Math.log1p(max) : (lo + hi) / 2));
}

/** Point indices, most frequent word first (ties: vocabulary order, i.e. the order given). */
export function frequencyOrder(counts: readonly number[]): number[] {
  return counts.map((_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
}

/** How many of the most frequent words may be labelled at zoom k: 40 at k = 1, growing with the area shown. */
export function labelBudget(k: number, total: number, base = 40): number {
  return Math.min(total, Math.round(base * Math.max(1, k) ** 2));
}

export interface LabelBox {
  point: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Greedy label placement: candidates in priority order; each label tries four spots around its dot
 * (right, left, above, below) and takes the first that stays in view and overlaps no label placed
 * before it. A forced label (the selection, the caption path) that finds no free spot is placed
 * anyway, to the right (or left) of its dot. A coarse grid keeps it linear.
 * `screen(i)` gives the dot's position in CSS px; `width(i)` the label's width.
 */
export function placeLabels(
  candidates: readonly number[],
  screen: (i: number) => { x: number; y: number; r: number },
  width: (i: number) => number,
  view: { width: number; height: number },
  opts: { height?: number; max?: number; force?: ReadonlySet<number> } = {},
): LabelBox[] {
  const h = opts.height ?? 13;
  const max = opts.max ?? 250;
  const cell = 48;
  const cols = Math.ceil(view.width / cell) + 1;
  const grid = new Map<number, LabelBox[]>();
  const placed: LabelBox[] = [];
  const cells = (b: LabelBox) => {
    const out: number[] = [];
    for (let cy = Math.floor(b.y / cell); cy <= Math.floor((b.y + b.h) / cell); cy++) {
      for (let cx = Math.floor(b.x / cell); cx <= Math.floor((b.x + b.w) / cell); cx++) out.push(cy * cols + cx);
    }
    return out;
  };
  const overlaps = (b: LabelBox) =>
    cells(b).some((c) => (grid.get(c) ?? []).some((o) => b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h));
  const inside = (b: LabelBox) => b.x >= 0 && b.y >= 0 && b.x + b.w <= view.width && b.y + b.h <= view.height;
  for (const i of candidates) {
    if (placed.length >= max) break;
    const p = screen(i);
    if (!(p.x >= 0 && p.y >= 0 && p.x <= view.width && p.y <= view.height)) continue; // the dot is out of view
    const w = width(i);
    const gap = Math.max(p.r + 1, h / 2); // above and below clear both the dot and the side labels' row
    const spots: LabelBox[] = [
      { point: i, x: p.x + p.r + 2, y: p.y - h / 2, w, h },
      { point: i, x: p.x - p.r - 2 - w, y: p.y - h / 2, w, h },
      { point: i, x: p.x - w / 2, y: p.y - gap - h, w, h },
      { point: i, x: p.x - w / 2, y: p.y + gap, w, h },
    ];
    let b = spots.find((s) => inside(s) && !overlaps(s));
    if (!b && opts.force?.has(i)) b = spots.slice(0, 2).find(inside) ?? spots[0]!;
    if (!b) continue;
    placed.push(b);
    for (const c of cells(b)) {
      const list = grid.get(c);
      if (list) list.push(b);
      else grid.set(c, [b]);
    }
  }
  return placed;
}

// ---- Lookups ------------------------------------------------------------------------------------

export interface PointIndex {
  ofId: Map<number, number>;
  ofWord: Map<string, number>;
}

export function pointIndex(layout: Pick<LayoutFile, 'ids' | 'words'>): PointIndex {
  return { ofId: new Map(layout.ids.map((id, i) => [id, i])), ofWord: new Map(layout.words.map((w, i) => [w, i])) };
}

/** Why a layout does not belong to the live vocabulary, or null when it does. */
export function layoutMismatch(layout: Pick<LayoutFile, 'ids' | 'words' | 'vocabSize'>, words: readonly string[]): string | null {
  if (layout.vocabSize !== words.length) return `the map was computed for a vocabulary of ${layout.vocabSize} words, the model has ${words.length}`;
  for (let i = 0; i < layout.ids.length; i++) {
    if (words[layout.ids[i]!] !== layout.words[i]) return `word ${layout.ids[i]} is "${layout.words[i]}" on the map but "${words[layout.ids[i]!] ?? '?'}" in the model`;
  }
  return null;
}

// ---- The caption path ---------------------------------------------------------------------------

export interface PathStop {
  /** Word position in the caption. */
  position: number;
  token: number;
  /** Point index on the map, or -1 when the word is not on it (`<unk>`). */
  point: number;
}

/**
 * The caption's words up to the step in view (inclusive: at step t the word chosen at t is shown),
 * as stops on the map. Step −1 (the image step) has no words yet.
 */
export function captionPath(tokens: readonly number[], step: number, ofId: ReadonlyMap<number, number>): PathStop[] {
  const last = Math.min(step, tokens.length - 1);
  const out: PathStop[] = [];
  for (let t = 0; t <= last; t++) out.push({ position: t, token: tokens[t]!, point: ofId.get(tokens[t]!) ?? -1 });
  return out;
}

// ---- The guided view ----------------------------------------------------------------------------

/** The paper's example (§3.1: "horse, pony, and donkey … close to each other"), plus two relatives. */
export const GUIDED_WORDS = ['horse', 'pony', 'donkey', 'mule', 'zebra'] as const;

export function guidedGroup(ofWord: ReadonlyMap<string, number>, words: readonly string[] = GUIDED_WORDS): { present: string[]; missing: string[] } {
  return { present: words.filter((w) => ofWord.has(w)), missing: words.filter((w) => !ofWord.has(w)) };
}

/** One sentence naming the guided words the model lacks ('' when none are missing). */
export function missingSentence(missing: readonly string[], all: readonly string[] = GUIDED_WORDS): string {
  if (missing.length === 0) return '';
  if (missing.length === all.length) return `None of ${listWords(all, 'or')} is in this model's vocabulary.`;
  return `Not in this model's vocabulary: ${listWords(missing, 'and')}.`;
}

export function listWords(words: readonly string[], conj: 'and' | 'or'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${conj} ${words[words.length - 1]}`;
}

// ---- Search -------------------------------------------------------------------------------------

/** Words for the search box: prefix matches first, then other matches; frequent words first within each. */
export function searchMatches(query: string, words: readonly string[], counts: readonly number[], limit = 8): number[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const prefix: number[] = [];
  const inner: number[] = [];
  words.forEach((w, i) => {
    const at = w.indexOf(q);
    if (at === 0) prefix.push(i);
    else if (at > 0) inner.push(i);
  });
  const byUse = (a: number, b: number) => (counts[b] ?? 0) - (counts[a] ?? 0) || words[a]!.length - words[b]!.length || a - b;
  // An exact match always comes first, whatever its frequency.
  prefix.sort((a, b) => Number(words[b] === q) - Number(words[a] === q) || byUse(a, b));
  return [...prefix, ...inner.sort(byUse)].slice(0, limit);
}

// ---- View geometry ------------------------------------------------------------------------------

export interface Transform {
  k: number;
  x: number;
  y: number;
}

/** Where layout coordinates (−1 … 1, y up) land at zoom 1: the square fitted into the canvas, y flipped. */
export function baseProjection(width: number, height: number, margin = 16): { cx: number; cy: number; s: number } {
  return { cx: width / 2, cy: height / 2, s: Math.max(1, (Math.min(width, height) - 2 * margin) / 2) };
}

/** The zoom transform that shows the box [x0,x1]×[y0,y1] (base px) in a width×height view, within the scale limits. */
export function fitTransform(box: { x0: number; x1: number; y0: number; y1: number }, width: number, height: number, opts: { padding?: number; minK?: number; maxK?: number } = {}): Transform {
  const pad = opts.padding ?? 48;
  const bw = Math.max(box.x1 - box.x0, 1e-6);
  const bh = Math.max(box.y1 - box.y0, 1e-6);
  const k = Math.min(opts.maxK ?? 16, Math.max(opts.minK ?? 0.5, Math.min((width - 2 * pad) / bw, (height - 2 * pad) / bh)));
  return { k, x: width / 2 - k * ((box.x0 + box.x1) / 2), y: height / 2 - k * ((box.y0 + box.y1) / 2) };
}

// ---- Text alternative ---------------------------------------------------------------------------

/** The canvas's text alternative: what the map shows right now, in one or two sentences. */
export function describeMap(args: { words: number; method: string; selected?: string; neighbours?: readonly string[]; path?: readonly string[]; guided?: readonly string[] }): string {
  const parts = [`Map of ${args.words.toLocaleString('en')} words of the model's vocabulary, placed by ${args.method} so that words with similar embeddings sit close together.`];
  if (args.selected) parts.push(`Selected: ${args.selected}${args.neighbours?.length ? `; its nearest neighbours are ${listWords(args.neighbours, 'and')}` : ''}.`);
  if (args.guided?.length) parts.push(`Highlighted: ${listWords(args.guided, 'and')}.`);
  if (args.path?.length) parts.push(`The caption so far is drawn as a path: ${args.path.join(' → ')}.`);
  return parts.join(' ');
}

// ---- The two embedding spaces -------------------------------------------------------------------

/** The reader-facing name of each space, as the map's switch says it. */
export const SPACE_NAMES = { decoder: 'the captioner’s W_e', text: 'the caption text alone (skip-gram)' } as const;

/** One line on how the text-only vectors were trained, from text-embedding.json's `method`. */
export function describeTextMethod(method: Record<string, unknown>): string {
  const num = (k: string) => (typeof method[k] === 'number' && Number.isFinite(method[k]) ? (method[k] as number) : null);
  const parts = [
    num('dim') !== null ? `${num('dim')} dimensions` : '',
    num('window') !== null ? `a window of ${num('window')} words either side` : '',
    num('epochs') !== null ? `${num('epochs')} epochs` : '',
    num('sentences') !== null ? `${num('sentences')!.toLocaleString('en')} captions` : '',
  ].filter(Boolean);
  return `Skip-gram (word2vec with negative sampling)${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}

/** The first guided word's partners, with their neighbour rank in each space (null: not computed). */
export function rankComparison(words: readonly string[], decoder: readonly number[] | null, text: readonly number[] | null): { word: string; decoder: number | null; text: number | null }[] {
  return words.slice(1).map((word, i) => ({ word, decoder: decoder?.[i + 1] ?? null, text: text?.[i + 1] ?? null }));
}
