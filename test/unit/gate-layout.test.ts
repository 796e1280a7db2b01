/**
 * The gate view's wrangling: the matrices hold exactly the Trace's numbers, beam hypotheses get their
 * ancestors' columns, unit orders are permutations sorted as they claim, colours and geometry agree.
 */
import { interpolateRdBu, interpolateViridis, rgb } from 'd3';
import { beforeAll, describe, expect, it } from 'vitest';
import { beamSearch, greedy, sample } from '../../src/model/search';
import { GATE_NAMES, type Gates, type Trace } from '../../src/model/trace';
import {
  activationOrder,
  beamNodeColumns,
  cellRect,
  clusterOrder,
  colourOf,
  gateMatrices,
  gateMatrix,
  heatmapGeometry,
  hitTest,
  mapPixels,
  matrixValue,
  prepareGateView,
  scaleFor,
  stepColumn,
  traceColumns,
  unitOrder,
  varianceOrder,
  type GateColumn,
  type GateMatrix,
} from '../../src/components/views/gate-layout';
import { mulberry32 } from '../../src/model/prng';
import { fakeFeature, loadFixture } from './helpers';

let traces: { greedy: Trace; sample: Trace; beam: Trace };
let words: readonly string[];

beforeAll(async () => {
  const fx = await loadFixture();
  const f = fakeFeature(560, 7);
  traces = {
    greedy: greedy(fx.reference, f, { maxLength: 12 }),
    sample: sample(fx.reference, f, { maxLength: 12, temperature: 1.5, sampleTopK: 0, seed: 3 }),
    beam: beamSearch(fx.reference, f, { maxLength: 12, beamWidth: 3, alpha: 0, expansions: 4 }),
  };
  words = fx.vocab.words;
});

/** A matrix of `units` random trajectories over `cols` steps. */
function randomColumns(units: number, cols: number, seed = 1): GateColumn[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: cols }, (_, c) => {
    const g = {} as Gates;
    for (const name of GATE_NAMES) g[name] = Float32Array.from({ length: units }, () => rnd() * 2 - 1);
    return { step: c - 1, input: c === 0 ? -1 : 3, gates: g };
  });
}

function isPermutation(order: number[], n: number): boolean {
  return order.length === n && new Set(order).size === n && order.every((u) => Number.isInteger(u) && u >= 0 && u < n);
}

function variance(m: GateMatrix, u: number): number {
  const row = Array.from({ length: m.cols }, (_, c) => matrixValue(m, u, c));
  const mean = row.reduce((a, b) => a + b, 0) / row.length;
  return row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
}

describe('columns and matrices read back the Trace', () => {
  it('every cell of every map equals the trace value (image column first)', () => {
    for (const trace of Object.values(traces)) {
      const matrices = gateMatrices(traceColumns(trace));
      const H = trace.imageGates.h.length;
      for (const g of GATE_NAMES) {
        const m = matrices[g];
        expect([m.units, m.cols]).toEqual([H, trace.steps.length + 1]);
        for (let u = 0; u < H; u++) {
          expect(matrixValue(m, u, 0)).toBe(trace.imageGates[g][u]);
          trace.steps.forEach((s, t) => expect(matrixValue(m, u, t + 1)).toBe(s.gates[g][u]));
        }
        let min = Infinity;
        let max = -Infinity;
        for (const v of m.data) [min, max] = [Math.min(min, v), Math.max(max, v)];
        expect([m.min, m.max]).toEqual([min, max]);
      }
    }
  });

  it('a beam hypothesis gets the gates of its ancestors, root first', () => {
    const trace = traces.beam;
    const nodes = trace.beam!.nodes;
    for (const n of nodes) {
      const cols = beamNodeColumns(trace, n.id)!;
      const path = [];
      for (let k: number = n.id; k >= 0; k = nodes[k]!.parent) path.unshift(nodes[k]!);
      const expanded = path.filter((p) => p.gates);
      expect(cols.length).toBe(expanded.length + 1);
      expect(cols[0]!.gates).toBe(trace.imageGates);
      expanded.forEach((p, k) => {
        expect(cols[k + 1]!.gates).toBe(p.gates);
        expect(cols[k + 1]!.input).toBe(p.token);
        expect(cols[k + 1]!.step).toBe(k);
      });
    }
  });

  it("the best hypothesis's columns are the beam trace's own path", () => {
    const trace = traces.beam;
    const byNode = beamNodeColumns(trace, trace.beam!.best)!;
    const byTrace = traceColumns(trace);
    expect(byNode.length).toBe(byTrace.length);
    byNode.forEach((c, k) => {
      expect(c.gates).toEqual(byTrace[k]!.gates);
      expect([c.step, c.input]).toEqual([byTrace[k]!.step, byTrace[k]!.input]);
    });
  });

  it('an unknown node falls back to the decoder path', () => {
    expect(beamNodeColumns(traces.beam, 10_000)).toBeNull();
    expect(beamNodeColumns(traces.greedy, 0)).toBeNull();
    const v = prepareGateView({ traces, words, decoder: 'beam', node: 10_000, gate: 'all', sort: 'variance', step: 0, unit: -1 });
    expect(v.node).toBe(-1);
    expect(v.columns.length).toBe(traces.beam.steps.length + 1);
  });
});

describe('unit orders', () => {
  const m = gateMatrix(randomColumns(64, 9, 5), 'h');

  it('are permutations of the units', () => {
    for (const sort of ['variance', 'activation', 'cluster'] as const) for (const col of [0, 4, 8]) expect(isPermutation(unitOrder(m, sort, col), 64)).toBe(true);
  });

  it('variance order: non-increasing variance over the steps', () => {
    const order = varianceOrder(m);
    for (let r = 1; r < order.length; r++) expect(variance(m, order[r - 1]!)).toBeGreaterThanOrEqual(variance(m, order[r]!) - 1e-12);
  });

  it('activation order: non-increasing value at the chosen column', () => {
    for (const col of [0, 3, 8]) {
      const order = activationOrder(m, col);
      for (let r = 1; r < order.length; r++) expect(matrixValue(m, order[r - 1]!, col)).toBeGreaterThanOrEqual(matrixValue(m, order[r]!, col));
    }
  });

  it('cluster order puts units with similar trajectories next to each other', () => {
    // Three prototype trajectories, 20 noisy copies each, shuffled: the chain must visit each group in one run.
    const rnd = mulberry32(11);
    const cols = 12;
    const protos = [0, 1, 2].map(() => Array.from({ length: cols }, () => rnd() * 2 - 1));
    const units = Array.from({ length: 60 }, (_, u) => u % 3).sort(() => rnd() - 0.5);
    const columns: GateColumn[] = Array.from({ length: cols }, (_, c) => {
      const h = Float32Array.from(units, (p) => protos[p]![c]! + (rnd() - 0.5) * 0.05);
      return { step: c - 1, input: 3, gates: { i: h, f: h, o: h, g: h, c: h, h } };
    });
    const order = clusterOrder(gateMatrix(columns, 'h'));
    expect(isPermutation(order, 60)).toBe(true);
    let switches = 0;
    for (let r = 1; r < order.length; r++) if (units[order[r]!] !== units[order[r - 1]!]) switches++;
    expect(switches).toBe(2);
    // The same data in identity order switches groups about 40 times: the test can tell them apart.
    let identitySwitches = 0;
    for (let u = 1; u < 60; u++) if (units[u] !== units[u - 1]) identitySwitches++;
    expect(identitySwitches).toBeGreaterThan(20);
  });

  it('orders 512 units × 21 steps fast enough to follow the stepper', () => {
    const big = gateMatrix(randomColumns(512, 21, 2), 'h');
    const t0 = performance.now();
    const order = clusterOrder(big);
    const ms = performance.now() - t0;
    expect(isPermutation(order, 512)).toBe(true);
    expect(ms).toBeLessThan(250);
  });
});

describe('colour scales', () => {
  const close = (got: [number, number, number], css: string) => {
    const c = rgb(css);
    expect(Math.max(Math.abs(got[0] - c.r), Math.abs(got[1] - c.g), Math.abs(got[2] - c.b))).toBeLessThanOrEqual(4);
  };

  it('i, f, o: sequential viridis over 0..1', () => {
    for (const g of ['i', 'f', 'o'] as const) {
      const s = scaleFor(g);
      expect([s.kind, s.lo, s.hi]).toEqual(['sequential', 0, 1]);
      for (const v of [0, 0.13, 0.5, 0.77, 1]) close(colourOf(s, v), interpolateViridis(v));
      expect(colourOf(s, -3)).toEqual(colourOf(s, 0));
      expect(colourOf(s, 7)).toEqual(colourOf(s, 1));
    }
  });

  it('g, h: diverging −1..1, blue for negative, red for positive', () => {
    for (const g of ['g', 'h'] as const) {
      const s = scaleFor(g);
      expect([s.kind, s.lo, s.hi]).toEqual(['diverging', -1, 1]);
      for (const v of [-1, -0.4, 0, 0.3, 1]) close(colourOf(s, v), interpolateRdBu(1 - (v + 1) / 2));
      const [r1, , b1] = colourOf(s, 0.9);
      const [r2, , b2] = colourOf(s, -0.9);
      expect(r1).toBeGreaterThan(b1);
      expect(b2).toBeGreaterThan(r2);
    }
  });

  it('c: diverging, symmetric at ±max|c| of the matrix', () => {
    const columns = randomColumns(4, 3);
    columns[1]!.gates.c[2] = -3.5;
    columns[2]!.gates.c[0] = 2;
    const m = gateMatrix(columns, 'c');
    const s = scaleFor('c', m);
    expect([s.kind, s.lo, s.hi]).toEqual(['diverging', -3.5, 3.5]);
    expect(s.note).toContain('3.500');
    close(colourOf(s, 0), interpolateRdBu(0.5));
  });

  it('map pixels: row r, column c has the colour of unit order[r] at c', () => {
    const columns = randomColumns(10, 5, 9);
    const m = gateMatrix(columns, 'g');
    const s = scaleFor('g', m);
    const order = varianceOrder(m);
    const px = mapPixels(m, s, order);
    expect(px.length).toBe(10 * 5 * 4);
    for (let r = 0; r < 10; r++) {
      for (let c = 0; c < 5; c++) {
        const k = (r * 5 + c) * 4;
        expect([px[k], px[k + 1], px[k + 2], px[k + 3]]).toEqual([...colourOf(s, matrixValue(m, order[r]!, c)), 255]);
      }
    }
  });
});

describe('geometry', () => {
  it('hit-testing the centre of any cell finds that cell; the image gap finds none', () => {
    for (const [gates, units, cols, width] of [
      [GATE_NAMES, 512, 21, 900],
      [GATE_NAMES, 6, 13, 700],
      [['c'], 512, 21, 700],
      [GATE_NAMES, 512, 21, 360],
    ] as const) {
      const g = heatmapGeometry([...gates], units, cols, width, 520);
      expect(g.width).toBeLessThanOrEqual(Math.max(width, g.maps.length === 1 ? g.width : width));
      expect(g.rowH).toBeGreaterThanOrEqual(1);
      for (let map = 0; map < gates.length; map++) {
        for (const row of [0, 1, units >> 1, units - 1]) {
          for (const col of [0, 1, cols - 1]) {
            const r = cellRect(g, map, row, col);
            expect(hitTest(g, r.x + r.w / 2, r.y + r.h / 2)).toEqual({ map, row, col });
          }
        }
        const m = g.maps[map]!;
        expect(hitTest(g, m.x + g.cellW + g.imageGap / 2, m.y + 0.5)).toBeNull();
      }
    }
  });

  it('six maps of 512 units fit a 900 px figure side by side, 1 px per unit', () => {
    const g = heatmapGeometry([...GATE_NAMES], 512, 21, 900, 520);
    expect(g.width).toBeLessThanOrEqual(900);
    expect(new Set(g.maps.map((m) => m.y)).size).toBe(1);
    expect(g.rowH).toBe(1);
    expect(g.cellW).toBeGreaterThanOrEqual(5);
  });

  it('the step maps to its column, the image step to column 0, clamped to the path', () => {
    expect(stepColumn(-1, 10)).toBe(0);
    expect(stepColumn(0, 10)).toBe(1);
    expect(stepColumn(30, 10)).toBe(9);
  });
});

describe('prepareGateView', () => {
  it('shows the beam node when one is selected, with its ancestors', () => {
    const nodes = traces.beam.beam!.nodes;
    const deep = nodes.filter((n) => n.gates && n.step >= 1).at(-1)!;
    const v = prepareGateView({ traces, words, decoder: 'beam', node: deep.id, gate: 'f', sort: 'variance', step: 0, unit: 2 });
    expect(v.node).toBe(deep.id);
    expect(v.columns.length).toBe(deep.step + 3);
    expect(v.columns.at(-1)!.gates).toBe(deep.gates);
    expect(v.gates).toEqual(['f']);
    expect(v.sortBy).toBe('f');
    expect(v.selected).toBe(2);
    expect(v.labels[0]).toBe('image');
    expect(v.labels[1]).toBe('<start>');
    expect(v.source).toContain(`#${deep.id}`);
  });

  it('the node is ignored for the greedy and sampled decoders', () => {
    const v = prepareGateView({ traces, words, decoder: 'greedy', node: 3, gate: 'all', sort: 'variance', step: 1, unit: -1 });
    expect(v.node).toBe(-1);
    expect(v.columns.length).toBe(traces.greedy.steps.length + 1);
    expect(v.sortBy).toBe('h');
  });

  it('reuses matrices and order when only the step or the unit changed, and re-sorts by activation on a step change', () => {
    const base = { traces, words, decoder: 'beam' as const, node: -1, gate: 'all' as const, unit: -1 };
    const a = prepareGateView({ ...base, sort: 'variance', step: 0 });
    const b = prepareGateView({ ...base, sort: 'variance', step: 2, unit: 1 }, a);
    expect(b.matrices).toBe(a.matrices);
    expect(b.order).toBe(a.order);
    expect(b.col).toBe(3);
    const c = prepareGateView({ ...base, sort: 'activation', step: 0 }, b);
    const d = prepareGateView({ ...base, sort: 'activation', step: 2 }, c);
    expect(d.order).not.toBe(c.order);
    expect(d.order).toEqual(activationOrder(d.matrices.h, 3));
    for (let r = 0; r < d.units; r++) expect(d.rowOf[d.order[r]!]).toBe(r);
  });

  it('an out-of-range unit or step is handled, not drawn', () => {
    const v = prepareGateView({ traces, words, decoder: 'greedy', node: -1, gate: 'all', sort: 'cluster', step: 40, unit: 4000 });
    expect(v.selected).toBe(-1);
    expect(v.col).toBe(v.columns.length - 1);
    expect(v.stepOutside).toBe(true);
  });
});
