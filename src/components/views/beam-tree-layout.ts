/**
 * Pure wrangling for the beam-search tree (no DOM, testable in Node): a beam Trace → positioned
 * nodes, links and "+N more" stubs, one column per decoding step, read left to right.
 *
 * - The whole search is laid out at once, not only the visible steps: positions stay put while
 *   the reader steps, so the tree visibly *grows* instead of re-flowing at every step.
 * - Layered, not tidy: d3-hierarchy holds the tree, but positions come from a column-by-column
 *   packing (each parent's children centred on it, overlaps resolved by least squares) rather than
 *   d3.tree's Reingold–Tilford. A beam's lineages die all the time, and Reingold–Tilford shifts
 *   whole subtrees rigidly, so it never reuses the rows a dead lineage frees: a k = 10, 20-step tree
 *   came out 117 rows tall that way, about 30 this way. Children stay in their parents' order in
 *   every column, so links never cross.
 * - Pruned candidates collapse: at k = 10 with several expansions per parent a column holds 50–100
 *   candidates; showing the best few pruned children of each parent (and a stub that counts the
 *   rest) keeps the tree readable. Pruned nodes are leaves (the search never expands them), so
 *   collapsing them never hides a deeper branch.
 */
import { hierarchy, type HierarchyNode } from 'd3';
import type { BeamNode, BeamStatus, Trace } from '../../model/trace';
import { END_ID } from '../../model/vocab';

/** Geometry in CSS pixels. `row` is the vertical distance between sibling nodes. */
export const SIZES = {
  row: 34,
  column: 124,
  /** A stub takes this fraction of a row: it is one short line of text. */
  stubRow: 0.62,
  /** Extra room between the subtrees of different parents, in rows. */
  cousinGap: 1.15,
  top: 34,
  left: 14,
  /** Room for the last column's labels. */
  right: 120,
  /** Room below the last row for its numbers and focus ring. */
  bottom: 20,
} as const;

/** By default each column shows about this many pruned candidates: the best ones of each parent. */
export const PRUNED_PER_COLUMN = 12;

/** Words longer than this are shortened in the drawing (the full word is in the label and list). */
export const MAX_LABEL_CHARS = 14;

export interface LaidNode {
  kind: 'node';
  id: number;
  /** The path of tokens from the root: stable across re-decodes, so d3 can animate a change of k. */
  key: string;
  parent: number;
  token: number;
  word: string;
  step: number;
  tokenLogp: number;
  logp: number;
  score: number;
  status: BeamStatus;
  /** On the path root → best finished hypothesis. */
  best: boolean;
  /** Finished by reaching maxLength rather than by `<end>`. */
  cut: boolean;
  /** Shown children (ids), best first. */
  children: number[];
  /** All children in the trace, shown or not. */
  childCount: number;
  x: number;
  y: number;
}

export interface LaidStub {
  kind: 'stub';
  key: string;
  parent: number;
  step: number;
  /** How many pruned children of `parent` are hidden. */
  count: number;
  /** The best log p among them. */
  bestLogp: number;
  x: number;
  y: number;
}

export interface LaidLink {
  /** The child's key. */
  key: string;
  source: number;
  /** The child's node id, or -1 for a stub. */
  target: number;
  step: number;
  status: BeamStatus | 'stub';
  best: boolean;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface ColumnSummary {
  step: number;
  x: number;
  candidates: number;
  kept: number;
  finished: number;
  pruned: number;
  hidden: number;
}

export interface BeamTreeLayout {
  nodes: LaidNode[];
  byId: Map<number, LaidNode>;
  stubs: LaidStub[];
  links: LaidLink[];
  columns: ColumnSummary[];
  /** The deepest step in the search. */
  maxStep: number;
  best: number;
  /** Node ids root → best. */
  bestPath: number[];
  /** Nodes in the trace, and how many of them the collapsed drawing hides. */
  total: number;
  hidden: number;
  showAllPruned: boolean;
  width: number;
  height: number;
}

/** How the tree writes a vocabulary entry: as the vocabulary spells it (`<end>` too, as the other views do). */
export function displayWord(words: readonly string[], token: number): string {
  return words[token] ?? `#${token}`;
}

export function shortLabel(word: string): string {
  return word.length > MAX_LABEL_CHARS ? `${word.slice(0, MAX_LABEL_CHARS - 1)}…` : word;
}

/** A number as the page prints it: fixed digits and a true minus sign. */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s.replace('-', '−');
}

const STATUS_WORDS: Record<BeamStatus, string> = { root: 'start', survived: 'kept', pruned: 'pruned', finished: 'finished' };

/** One line that says what a node is, for aria-labels and the nested list. */
export function describeNode(n: LaidNode): string {
  const status = n.cut ? 'finished (cut at the length limit)' : STATUS_WORDS[n.status];
  if (n.status === 'root') return `start of the caption, step −1${n.best ? ', best path' : ''}`;
  return `${n.word}, step ${n.step}, log p ${fmt(n.logp)}, score ${fmt(n.score)}, ${status}${n.best ? ', best path' : ''}`;
}

export function describeStub(s: LaidStub): string {
  return `${s.count} more pruned ${s.count === 1 ? 'candidate' : 'candidates'} hidden (best log p ${fmt(s.bestLogp)})`;
}

interface Datum {
  node?: BeamNode;
  stub?: { parent: number; step: number; count: number; bestLogp: number };
  children?: Datum[];
}

/** The nodes on the path root → id, root first. */
export function pathTo(nodes: ReadonlyMap<number, { parent: number }>, id: number): number[] {
  const ids: number[] = [];
  // Bounded by the node count, so a malformed parent cycle cannot hang the page.
  for (let n = nodes.get(id), cur = id; n && ids.length <= nodes.size; cur = n.parent, n = nodes.get(cur)) ids.unshift(cur);
  return ids;
}

/**
 * Least-squares placement of one column: positions as close as possible to `desired` (in order),
 * with at least `gaps[i]` between item i − 1 and item i. Substituting z_i = y_i − (sum of gaps up
 * to i) turns the gaps into "z is non-decreasing", which pool-adjacent-violators solves exactly.
 */
export function packColumn(desired: readonly number[], gaps: readonly number[]): number[] {
  const offset: number[] = [];
  let acc = 0;
  desired.forEach((_, i) => {
    if (i > 0) acc += gaps[i]!;
    offset.push(acc);
  });
  // Blocks of pooled targets: each holds a sum and a count; merge while order is violated.
  const sums: number[] = [];
  const counts: number[] = [];
  desired.forEach((d, i) => {
    sums.push(d - offset[i]!);
    counts.push(1);
    while (sums.length > 1 && sums.at(-2)! / counts.at(-2)! > sums.at(-1)! / counts.at(-1)!) {
      const s = sums.pop()!;
      const c = counts.pop()!;
      sums[sums.length - 1]! += s;
      counts[counts.length - 1]! += c;
    }
  });
  const out: number[] = [];
  sums.forEach((s, b) => {
    for (let j = 0; j < counts[b]!; j++) out.push(s / counts[b]! + offset[out.length]!);
  });
  return out;
}

/** Assign every hierarchy node its x (position across the column), column by column. */
function packColumns(h: HierarchyNode<Datum>): void {
  // Pre-order lists each column in the order of its parents, so links between columns never cross.
  const columns: HierarchyNode<Datum>[][] = [];
  h.eachBefore((d) => (columns[d.depth] ??= []).push(d));
  h.x = 0;
  for (const col of columns.slice(1)) {
    const gaps = col.map((d, i) => {
      if (i === 0) return 0;
      const prev = col[i - 1]!;
      const rows = prev.data.stub || d.data.stub ? SIZES.stubRow : prev.parent === d.parent ? 1 : SIZES.cousinGap;
      return rows * SIZES.row;
    });
    // Desired: each parent's children as a block centred on the parent.
    const desired: number[] = new Array(col.length);
    for (let i = 0; i < col.length; ) {
      let j = i;
      let span = 0;
      const offsets = [0];
      while (j + 1 < col.length && col[j + 1]!.parent === col[i]!.parent) {
        span += gaps[j + 1]!;
        offsets.push(span);
        j++;
      }
      for (let m = i; m <= j; m++) desired[m] = col[i]!.parent!.x! + offsets[m - i]! - span / 2;
      i = j + 1;
    }
    const packed = packColumn(desired, gaps);
    // Centring each parent's children on it alone lets a column drift as lineages die (a k = 10
    // tree drifted ~80 px a step): re-centre every column on the root's line instead, so the tree
    // stays a band as tall as its tallest column.
    const mid = (packed[0]! + packed.at(-1)!) / 2;
    packed.forEach((x, i) => (col[i]!.x = x - mid));
  }
}

export interface LayoutOptions {
  /** Draw every pruned candidate instead of the best few per parent. */
  showAllPruned?: boolean;
}

/** Trace → the whole tree, positioned. Visibility by step is decided later (`visibleStep`). */
export function layoutBeamTree(trace: Trace, words: readonly string[], options: LayoutOptions = {}): BeamTreeLayout {
  const beam = trace.beam;
  if (!beam || beam.nodes.length === 0) throw new Error('layoutBeamTree: the trace has no beam nodes');
  const showAll = options.showAllPruned ?? false;
  const raw = new Map(beam.nodes.map((n) => [n.id, n]));
  const root = beam.nodes.find((n) => n.parent < 0)!;

  const kids = new Map<number, BeamNode[]>();
  for (const n of beam.nodes) {
    if (n.parent < 0) continue;
    const list = kids.get(n.parent) ?? [];
    list.push(n);
    kids.set(n.parent, list);
  }
  // Best first: within one parent the kept children always outrank the pruned ones.
  for (const list of kids.values()) list.sort((a, b) => b.logp - a.logp || a.id - b.id);

  const bestPath = pathTo(raw, beam.best);
  const bestSet = new Set(bestPath);

  // How many parents were expanded at each step decides the per-parent cap on pruned children.
  const parentsAt = new Map<number, number>();
  for (const list of kids.values()) parentsAt.set(list[0]!.step, (parentsAt.get(list[0]!.step) ?? 0) + 1);
  const capAt = (step: number) => (showAll ? Infinity : Math.max(1, Math.floor(PRUNED_PER_COLUMN / (parentsAt.get(step) ?? 1))));

  const hiddenAt = new Map<number, number>();
  const build = (n: BeamNode): Datum => {
    const list = kids.get(n.id) ?? [];
    const children: Datum[] = [];
    if (list.length > 0) {
      const cap = capAt(list[0]!.step);
      let prunedShown = 0;
      const hidden: BeamNode[] = [];
      for (const c of list) {
        if (c.status !== 'pruned' || bestSet.has(c.id)) children.push(build(c));
        else if (prunedShown < cap) {
          children.push(build(c));
          prunedShown++;
        } else hidden.push(c);
      }
      if (hidden.length > 0) {
        const step = list[0]!.step;
        children.push({ stub: { parent: n.id, step, count: hidden.length, bestLogp: hidden[0]!.logp } });
        hiddenAt.set(step, (hiddenAt.get(step) ?? 0) + hidden.length);
      }
    }
    return children.length > 0 ? { node: n, children } : { node: n };
  };

  const h = hierarchy<Datum>(build(root), (d) => d.children);
  packColumns(h);
  let minX = Infinity;
  let maxX = -Infinity;
  h.each((d) => {
    minX = Math.min(minX, d.x!);
    maxX = Math.max(maxX, d.x!);
  });
  // As in d3's trees, x runs across the siblings and depth down the generations; this tree reads
  // left to right, so depth becomes the screen's x and x the screen's y.
  const px = (depth: number) => SIZES.left + depth * SIZES.column;
  const py = (x: number) => SIZES.top + (x - minX);

  const nodes: LaidNode[] = [];
  const stubs: LaidStub[] = [];
  const links: LaidLink[] = [];
  const byId = new Map<number, LaidNode>();
  const keyOf = new Map<number, string>();
  // hierarchy.each visits parents before children (breadth first), so parent keys exist when needed.
  h.each((d) => {
    const x = px(d.depth);
    const y = py(d.x!);
    if (d.data.node) {
      const n = d.data.node;
      const key = n.parent < 0 ? 'r' : `${keyOf.get(n.parent)}/${n.token}`;
      keyOf.set(n.id, key);
      const laid: LaidNode = {
        kind: 'node',
        id: n.id,
        key,
        parent: n.parent,
        token: n.token,
        word: displayWord(words, n.token),
        step: n.step,
        tokenLogp: n.tokenLogp,
        logp: n.logp,
        score: n.score,
        status: n.status,
        best: bestSet.has(n.id),
        cut: n.status === 'finished' && n.token !== END_ID,
        children: (d.children ?? []).flatMap((c) => (c.data.node ? [c.data.node.id] : [])),
        childCount: kids.get(n.id)?.length ?? 0,
        x,
        y,
      };
      nodes.push(laid);
      byId.set(n.id, laid);
      if (d.parent) {
        const p = d.parent;
        links.push({ key, source: n.parent, target: n.id, step: n.step, status: n.status, best: laid.best, x1: px(p.depth), y1: py(p.x!), x2: x, y2: y });
      }
    } else if (d.data.stub) {
      const s = d.data.stub;
      const key = `${keyOf.get(s.parent)}/+`;
      stubs.push({ kind: 'stub', key, parent: s.parent, step: s.step, count: s.count, bestLogp: s.bestLogp, x, y });
      const p = d.parent!;
      links.push({ key, source: s.parent, target: -1, step: s.step, status: 'stub', best: false, x1: px(p.depth), y1: py(p.x!), x2: x, y2: y });
    }
  });
  nodes.sort((a, b) => a.id - b.id);

  const maxStep = Math.max(...beam.nodes.map((n) => n.step));
  const columns: ColumnSummary[] = [];
  for (let step = -1; step <= maxStep; step++) {
    const at = beam.nodes.filter((n) => n.step === step);
    columns.push({
      step,
      x: px(step + 1),
      candidates: at.length,
      kept: at.filter((n) => n.status === 'survived').length,
      finished: at.filter((n) => n.status === 'finished').length,
      pruned: at.filter((n) => n.status === 'pruned').length,
      hidden: hiddenAt.get(step) ?? 0,
    });
  }
  const hidden = [...hiddenAt.values()].reduce((a, b) => a + b, 0);
  return {
    nodes,
    byId,
    stubs,
    links,
    columns,
    maxStep,
    best: beam.best,
    bestPath,
    total: beam.nodes.length,
    hidden,
    showAllPruned: showAll,
    width: px(maxStep + 1) + SIZES.right,
    height: SIZES.top + (maxX - minX) + SIZES.bottom,
  };
}

/** The deepest step drawn for the stepper's step (−1, the image step, shows only the root). */
export function visibleStep(layout: BeamTreeLayout, step: number): number {
  return Math.max(-1, Math.min(layout.maxStep, Math.floor(step)));
}

/** Nodes of one column, top to bottom. */
export function column(layout: BeamTreeLayout, step: number): LaidNode[] {
  return layout.nodes.filter((n) => n.step === step).sort((a, b) => a.y - b.y);
}

export type NavKey = 'ArrowRight' | 'ArrowLeft' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End';

/**
 * Keyboard movement inside the tree: → to the best child (growing the tree by a step when the
 * children are not shown yet), ← to the parent, ↑/↓ within the column, Home to the root, End to
 * the deepest visible node of the best path. Returns the node to focus and the step to show.
 */
export function navigate(layout: BeamTreeLayout, step: number, from: number, key: NavKey): { focus: number; step: number } {
  const shown = visibleStep(layout, step);
  const node = layout.byId.get(from) ?? layout.byId.get(layout.bestPath[0]!)!;
  const stay = { focus: node.id, step: shown };
  switch (key) {
    case 'ArrowRight': {
      const kids = node.children.map((id) => layout.byId.get(id)!);
      if (kids.length === 0) return stay;
      const next = kids.find((c) => c.best) ?? kids[0]!;
      return { focus: next.id, step: Math.max(shown, next.step) };
    }
    case 'ArrowLeft':
      return node.parent >= 0 ? { focus: node.parent, step: shown } : stay;
    case 'ArrowUp':
    case 'ArrowDown': {
      const col = column(layout, node.step);
      const i = col.findIndex((n) => n.id === node.id) + (key === 'ArrowUp' ? -1 : 1);
      return i >= 0 && i < col.length ? { focus: col[i]!.id, step: shown } : stay;
    }
    case 'Home':
      return { focus: layout.bestPath[0]!, step: shown };
    case 'End': {
      const deepest = layout.bestPath.filter((id) => layout.byId.get(id)!.step <= shown).at(-1)!;
      return { focus: deepest, step: shown };
    }
  }
}

/** Where focus goes when the tree shrinks under it: the node's ancestor in the last shown column. */
export function ancestorAtStep(layout: BeamTreeLayout, id: number, step: number): number {
  let n = layout.byId.get(id);
  while (n && n.step > step && n.parent >= 0) n = layout.byId.get(n.parent);
  return n ? n.id : layout.bestPath[0]!;
}

export interface OutlineItem {
  /** The node's (or stub's) path key: stable while the search stays the same. */
  key: string;
  /** The node id; -1 for a stub. */
  id: number;
  text: string;
  status: BeamStatus | 'stub';
  best: boolean;
  children: OutlineItem[];
}

/** The visible tree as nested items (the text alternative, rendered as nested lists). */
export function outline(layout: BeamTreeLayout, step: number): OutlineItem {
  const shown = visibleStep(layout, step);
  const stubsOf = new Map<number, LaidStub>();
  for (const s of layout.stubs) stubsOf.set(s.parent, s);
  const item = (n: LaidNode): OutlineItem => {
    const children = n.children.map((id) => layout.byId.get(id)!).filter((c) => c.step <= shown).map(item);
    const stub = stubsOf.get(n.id);
    if (stub && stub.step <= shown) children.push({ key: stub.key, id: -1, text: describeStub(stub), status: 'stub', best: false, children: [] });
    return { key: n.key, id: n.id, text: describeNode(n), status: n.status, best: n.best, children };
  };
  return item(layout.byId.get(layout.bestPath[0]!)!);
}


/** A node's path key ('r/4/7'): the same hypothesis keeps its key when the search is rerun. */
export function nodeKey(nodes: readonly BeamNode[], id: number): string | null {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  if (!byId.has(id)) return null;
  return ['r', ...pathTo(byId, id).slice(1).map((i) => byId.get(i)!.token)].join('/');
}

/** The node with this path key, or -1: walk down from the root, one token at a time. */
export function nodeByKey(nodes: readonly BeamNode[], key: string): number {
  const [head, ...tokens] = key.split('/');
  let cur = head === 'r' ? nodes.find((n) => n.parent < 0) : undefined;
  for (const t of tokens) {
    if (!cur) return -1;
    const parent: BeamNode = cur;
    cur = nodes.find((n) => n.parent === parent.id && String(n.token) === t);
  }
  return cur ? cur.id : -1;
}
