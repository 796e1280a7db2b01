/**
 * The beam tree's wrangling: trace → positioned nodes, links and stubs. Traces come from the real
 * `beamSearch` on a synthetic StepModel big enough to exercise collapsing (k = 10, 20 steps).
 */
import { describe, expect, it } from 'vitest';
import { beamSearch, greedy } from '../../src/model/search';
import type { Gates, LstmState, StepModel } from '../../src/model/trace';
import { END_ID } from '../../src/model/vocab';
import {
  ancestorAtStep,
  column,
  describeNode,
  displayWord,
  fmt,
  layoutBeamTree,
  navigate,
  outline,
  packColumn,
  PRUNED_PER_COLUMN,
  SIZES,
  visibleStep,
  type OutlineItem,
} from '../../src/components/views/beam-tree-layout';

/**
 * A deterministic toy decoder: a tiny random RNN over a vocabulary of V words, with `<end>` made
 * unlikely so hypotheses live long (the shape a trained captioner gives at k = 10).
 */
export function syntheticModel(V = 40, H = 8, endBias = -3, seed = 7): StepModel {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  };
  const W = Array.from({ length: H * H }, rand);
  const E = Array.from({ length: V * H }, rand);
  const U = Array.from({ length: V * H }, () => rand() * 2.5);
  const gates = (h: Float32Array): Gates => ({ i: h, f: h, o: h, g: h, c: h, h });
  const logits = (h: Float32Array) => {
    const z = new Float32Array(V);
    for (let v = 0; v < V; v++) {
      let acc = 0;
      for (let j = 0; j < H; j++) acc += U[v * H + j]! * h[j]!;
      z[v] = acc;
    }
    z[END_ID] = z[END_ID]! + endBias;
    return z;
  };
  return {
    vocabSize: V,
    hiddenSize: H,
    imageStep(feature) {
      const h = new Float32Array(H).map((_, j) => Math.tanh(feature[j % feature.length]!));
      return { state: { h, c: h }, gates: gates(h) };
    },
    step(states: readonly LstmState[], tokens: readonly number[]) {
      const out = states.map((st, b) => {
        const h = new Float32Array(H);
        for (let i = 0; i < H; i++) {
          let acc = E[tokens[b]! * H + i]!;
          for (let j = 0; j < H; j++) acc += W[i * H + j]! * st.h[j]!;
          h[i] = Math.tanh(acc);
        }
        return h;
      });
      return { states: out.map((h) => ({ h, c: h })), gates: out.map(gates), logits: out.map(logits) };
    },
  };
}

const WORDS = ['<start>', '<end>', '<unk>', ...Array.from({ length: 37 }, (_, i) => `w${i + 3}`)];
const feature = Float32Array.from([0.3, -0.7, 0.2, 0.9]);
const big = () => beamSearch(syntheticModel(), feature, { maxLength: 20, beamWidth: 10, alpha: 0.7, expansions: 10 });

function countItems(item: OutlineItem): number {
  return 1 + item.children.reduce((a, c) => a + countItems(c), 0);
}

describe('beam tree layout', () => {
  it('draws every node of the trace, with its parent, when pruned ones are not collapsed', () => {
    const trace = big();
    const layout = layoutBeamTree(trace, WORDS, { showAllPruned: true });
    const nodes = trace.beam!.nodes;
    expect(layout.nodes).toHaveLength(nodes.length);
    expect(layout.stubs).toHaveLength(0);
    expect(layout.hidden).toBe(0);
    for (const n of nodes) {
      const laid = layout.byId.get(n.id)!;
      expect([laid.parent, laid.token, laid.step, laid.status, laid.logp, laid.score]).toEqual([n.parent, n.token, n.step, n.status, n.logp, n.score]);
    }
    // One link per non-root node, from its parent's position to its own.
    expect(layout.links).toHaveLength(nodes.length - 1);
    for (const l of layout.links) {
      const [p, c] = [layout.byId.get(l.source)!, layout.byId.get(l.target)!];
      expect(c.parent).toBe(p.id);
      expect([l.x1, l.y1, l.x2, l.y2]).toEqual([p.x, p.y, c.x, c.y]);
    }
  });

  it('reads left to right: one column per step', () => {
    const layout = layoutBeamTree(big(), WORDS);
    expect(layout.maxStep).toBeGreaterThanOrEqual(10);
    for (const n of layout.nodes) expect(n.x).toBe(SIZES.left + (n.step + 1) * SIZES.column);
    expect(layout.columns.map((c) => c.step)).toEqual(Array.from({ length: layout.maxStep + 2 }, (_, i) => i - 1));
    expect(layout.width).toBeGreaterThan(layout.columns.at(-1)!.x);
  });

  it('never puts two nodes of a column on top of each other', () => {
    for (const showAllPruned of [false, true]) {
      const layout = layoutBeamTree(big(), WORDS, { showAllPruned });
      for (let step = -1; step <= layout.maxStep; step++) {
        const ys = [...column(layout, step).map((n) => n.y), ...layout.stubs.filter((s) => s.step === step).map((s) => s.y)].sort((a, b) => a - b);
        for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(SIZES.row * SIZES.stubRow - 1e-9);
      }
      for (const n of layout.nodes) expect(n.y).toBeGreaterThanOrEqual(SIZES.top - 1e-9);
      expect(Math.max(...layout.nodes.map((n) => n.y))).toBeLessThanOrEqual(layout.height);
    }
  });

  it('collapses pruned candidates at k = 10 to a readable height, and counts what it hides', () => {
    const trace = big();
    const all = layoutBeamTree(trace, WORDS, { showAllPruned: true });
    const collapsed = layoutBeamTree(trace, WORDS);
    expect(collapsed.hidden).toBeGreaterThan(0);
    expect(collapsed.nodes.length + collapsed.hidden).toBe(trace.beam!.nodes.length);
    expect(collapsed.stubs.reduce((a, s) => a + s.count, 0)).toBe(collapsed.hidden);
    // Every kept, finished and best-path node stays; only pruned ones collapse.
    for (const n of trace.beam!.nodes) if (n.status !== 'pruned') expect(collapsed.byId.has(n.id)).toBe(true);
    // Each column keeps about PRUNED_PER_COLUMN pruned candidates (at least one per parent).
    for (let step = 0; step <= collapsed.maxStep; step++) {
      const parents = new Set(trace.beam!.nodes.filter((n) => n.step === step).map((n) => n.parent)).size;
      const prunedShown = column(collapsed, step).filter((n) => n.status === 'pruned').length;
      expect(prunedShown).toBeLessThanOrEqual(Math.max(parents, PRUNED_PER_COLUMN));
    }
    // Hidden pruned children are the worse ones: every shown pruned child beats its hidden siblings.
    for (const s of collapsed.stubs) {
      const shown = collapsed.byId.get(s.parent)!.children.map((id) => collapsed.byId.get(id)!).filter((c) => c.status === 'pruned');
      expect(Math.min(...shown.map((c) => c.logp))).toBeGreaterThanOrEqual(s.bestLogp);
    }
    expect(collapsed.height).toBeLessThan(all.height / 2);
    // Readable: a band about as tall as its tallest column (~30 rows), not hundreds of rows.
    expect(collapsed.height).toBeLessThan(40 * SIZES.row);
  });

  it('marks the best path root → best, and k = 1 is the greedy path', () => {
    const model = syntheticModel(12, 6, 0, 3);
    for (const seed of [1, 2, 3]) {
      const f = Float32Array.from([seed * 0.3, -0.5, 0.1 * seed]);
      const g = greedy(model, f, { maxLength: 15 });
      const b = beamSearch(model, f, { maxLength: 15, beamWidth: 1, alpha: 0 });
      const layout = layoutBeamTree(b, WORDS);
      const path = layout.nodes.filter((n) => n.best).sort((a, c) => a.step - c.step);
      expect(path.map((n) => n.id)).toEqual(layout.bestPath);
      expect(path.slice(1).map((n) => n.token)).toEqual(g.steps.map((s) => s.chosen));
      // With expansions = k = 1 the tree is a single path: nothing was pruned.
      expect(layout.nodes.every((n) => n.children.length <= 1)).toBe(true);
    }
  });

  it('gives nodes path keys that survive a re-decode, so d3 can animate a change of k', () => {
    const model = syntheticModel();
    const t3 = layoutBeamTree(beamSearch(model, feature, { maxLength: 12, beamWidth: 3, alpha: 0 }), WORDS);
    const t1 = layoutBeamTree(beamSearch(model, feature, { maxLength: 12, beamWidth: 1, alpha: 0 }), WORDS);
    expect(new Set(t3.nodes.map((n) => n.key)).size).toBe(t3.nodes.length);
    const keys3 = new Set(t3.nodes.map((n) => n.key));
    // The greedy path's first steps are in the k = 3 tree too (its first word is the top one).
    expect(keys3.has(t1.byId.get(t1.bestPath[1]!)!.key)).toBe(true);
  });

  it('shows the root alone at the image step and clamps steps past the end', () => {
    const layout = layoutBeamTree(big(), WORDS);
    expect(visibleStep(layout, -1)).toBe(-1);
    expect(visibleStep(layout, 99)).toBe(layout.maxStep);
    expect(outline(layout, -1).children).toEqual([]);
    expect(countItems(outline(layout, 99))).toBe(layout.nodes.length + layout.stubs.length);
    const atZero = outline(layout, 0);
    expect(atZero.children.length).toBe(column(layout, 0).length + layout.stubs.filter((s) => s.step === 0).length);
  });

  it('describes nodes in words for the text alternative', () => {
    const layout = layoutBeamTree(big(), WORDS);
    const n = layout.byId.get(layout.bestPath[2]!)!;
    expect(describeNode(n)).toBe(`${n.word}, step 1, log p ${fmt(n.logp)}, score ${fmt(n.score)}, kept, best path`);
    expect(displayWord(WORDS, END_ID)).toBe('<end>');
    expect(fmt(-1.234)).toBe('−1.23');
    expect(fmt(-0.0001)).toBe('0.00');
  });
});

describe('packColumn (least-squares placement of one column)', () => {
  it('keeps positions that already respect the gaps', () => {
    expect(packColumn([0, 50, 100], [0, 30, 30])).toEqual([0, 50, 100]);
  });
  it('pushes colliding items apart symmetrically and keeps their order', () => {
    expect(packColumn([10, 10], [0, 20])).toEqual([0, 20]);
    const out = packColumn([0, 5, 6, 100], [0, 10, 10, 10]);
    [-19 / 3, 11 / 3, 41 / 3, 100].forEach((y, i) => expect(out[i]).toBeCloseTo(y, 10));
    for (let i = 1; i < out.length; i++) expect(out[i]! - out[i - 1]!).toBeGreaterThanOrEqual(10 - 1e-9);
    // The three colliding items keep their mean (least squares), the free one stays put.
    expect((out[0]! + out[1]! + out[2]!) / 3).toBeCloseTo(11 / 3, 10);
    expect(out[3]).toBe(100);
  });
});

describe('beam tree keyboard navigation', () => {
  const layout = layoutBeamTree(big(), WORDS);
  const root = layout.bestPath[0]!;

  it('→ goes to the best child, growing the tree by one step when needed; ← goes back', () => {
    const first = navigate(layout, -1, root, 'ArrowRight');
    expect(first).toEqual({ focus: layout.bestPath[1], step: 0 });
    const second = navigate(layout, 5, first.focus, 'ArrowRight');
    expect(second).toEqual({ focus: layout.bestPath[2], step: 5 });
    expect(navigate(layout, 5, second.focus, 'ArrowLeft')).toEqual({ focus: first.focus, step: 5 });
    expect(navigate(layout, 5, root, 'ArrowLeft')).toEqual({ focus: root, step: 5 });
  });

  it('↑/↓ move within a column and stop at its ends; Home and End jump along the best path', () => {
    const col = column(layout, 1);
    expect(col.length).toBeGreaterThan(2);
    expect(navigate(layout, 3, col[0]!.id, 'ArrowDown').focus).toBe(col[1]!.id);
    expect(navigate(layout, 3, col[1]!.id, 'ArrowUp').focus).toBe(col[0]!.id);
    expect(navigate(layout, 3, col[0]!.id, 'ArrowUp').focus).toBe(col[0]!.id);
    expect(navigate(layout, 3, col.at(-1)!.id, 'ArrowDown').focus).toBe(col.at(-1)!.id);
    expect(navigate(layout, 3, col[1]!.id, 'Home').focus).toBe(root);
    expect(navigate(layout, 3, root, 'End').focus).toBe(layout.bestPath[4]);
  });

  it('a pruned node has nowhere to go right', () => {
    const pruned = layout.nodes.find((n) => n.status === 'pruned')!;
    expect(navigate(layout, 20, pruned.id, 'ArrowRight').focus).toBe(pruned.id);
  });

  it('when the tree shrinks, focus falls back to the ancestor in the last shown column', () => {
    const deep = layout.bestPath[6]!;
    expect(ancestorAtStep(layout, deep, 2)).toBe(layout.bestPath[3]);
    expect(ancestorAtStep(layout, deep, -1)).toBe(root);
    expect(ancestorAtStep(layout, deep, 10)).toBe(deep);
  });
});
