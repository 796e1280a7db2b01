/**
 * Pure wrangling for the gate heat maps (no DOM): a Trace (or one beam hypothesis) → columns of LSTM
 * vectors → one units × steps matrix per gate, unit orders, colour scales and the canvas geometry.
 * Everything here is tested in Node; gate-heatmap.ts only paints what these functions return.
 */
import { interpolateRdBu, interpolateViridis, rgb } from 'd3';
import { GATE_NAMES, type BeamNode, type DecoderKind, type Gates, type GateName, type Trace } from '../../model/trace';
import type { UnitSort } from '../../state/state';

/** One column of the heat maps: the LSTM vectors after consuming one input. */
export interface GateColumn {
  /** Decoding step: −1 is the image step (x₋₁ = W_I·f), then 0, 1, … (input `<start>`, then words). */
  step: number;
  /** The token fed at this step; −1 for the image. */
  input: number;
  gates: Gates;
}

/** The columns of a decoded path: the image step, then one column per step of the trace. */
export function traceColumns(trace: Trace): GateColumn[] {
  return [{ step: -1, input: -1, gates: trace.imageGates }, ...trace.steps.map((s) => ({ step: s.t, input: s.input, gates: s.gates }))];
}

/**
 * The columns of one beam hypothesis: walk the node's ancestors up to the root. A node's `gates`
 * are the LSTM vectors after consuming its token (the root's: after `<start>`), so each expanded
 * node on the path is one column. A node that was never expanded (pruned, or `<end>`) adds none:
 * its token was never fed to the LSTM. Returns null when the trace has no such node.
 */
export function beamNodeColumns(trace: Trace, nodeId: number): GateColumn[] | null {
  const nodes = trace.beam?.nodes;
  if (!nodes || !Number.isInteger(nodeId) || nodeId < 0 || nodeId >= nodes.length) return null;
  const path: BeamNode[] = [];
  for (let n: BeamNode | undefined = nodes[nodeId]; n; n = n.parent >= 0 ? nodes[n.parent] : undefined) path.unshift(n);
  const columns: GateColumn[] = [{ step: -1, input: -1, gates: trace.imageGates }];
  for (const n of path) {
    if (!n.gates) break;
    columns.push({ step: n.step + 1, input: n.token, gates: n.gates });
  }
  return columns;
}

/** One gate's values as a units × columns matrix, unit-major: `data[u * cols + c]`. */
export interface GateMatrix {
  gate: GateName;
  units: number;
  cols: number;
  data: Float32Array;
  min: number;
  max: number;
}

export function gateMatrix(columns: readonly GateColumn[], gate: GateName): GateMatrix {
  const cols = columns.length;
  const units = cols > 0 ? columns[0]!.gates[gate].length : 0;
  const data = new Float32Array(units * cols);
  let min = Infinity;
  let max = -Infinity;
  columns.forEach((col, c) => {
    const v = col.gates[gate];
    if (v.length !== units) throw new Error(`gate ${gate}: column ${c} has ${v.length} units, column 0 has ${units}`);
    for (let u = 0; u < units; u++) {
      const x = v[u]!;
      data[u * cols + c] = x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  });
  return { gate, units, cols, data, min: units ? min : 0, max: units ? max : 0 };
}

export function gateMatrices(columns: readonly GateColumn[]): Record<GateName, GateMatrix> {
  const out = {} as Record<GateName, GateMatrix>;
  for (const g of GATE_NAMES) out[g] = gateMatrix(columns, g);
  return out;
}

export function matrixValue(m: GateMatrix, unit: number, col: number): number {
  return m.data[unit * m.cols + col]!;
}

// ---------------------------------------------------------------------------------------------
// Unit orders. Ties go to the lower unit index, so orders are deterministic.

function unitVariances(m: GateMatrix): Float64Array {
  const out = new Float64Array(m.units);
  for (let u = 0; u < m.units; u++) {
    let mean = 0;
    for (let c = 0; c < m.cols; c++) mean += m.data[u * m.cols + c]!;
    mean /= m.cols || 1;
    let v = 0;
    for (let c = 0; c < m.cols; c++) v += (m.data[u * m.cols + c]! - mean) ** 2;
    out[u] = v / (m.cols || 1);
  }
  return out;
}

const descending = (key: ArrayLike<number>) => (a: number, b: number) => key[b]! - key[a]! || a - b;
const allUnits = (n: number) => Array.from({ length: n }, (_, u) => u);

/** Units that change most over the caption first. */
export function varianceOrder(m: GateMatrix): number[] {
  return allUnits(m.units).sort(descending(unitVariances(m)));
}

/** Units most active at column `col` first. */
export function activationOrder(m: GateMatrix, col: number): number[] {
  const c = Math.min(Math.max(col, 0), m.cols - 1);
  const key = Float64Array.from(allUnits(m.units), (u) => m.data[u * m.cols + c]!);
  return allUnits(m.units).sort(descending(key));
}

/**
 * Units with similar trajectories next to each other: greedy nearest-neighbour chaining (Euclidean
 * distance between the units' rows), starting from the unit that varies most. O(units² · cols):
 * about 5.5 M multiply-adds for 512 units × 21 steps, a few milliseconds.
 */
export function clusterOrder(m: GateMatrix): number[] {
  const n = m.units;
  if (n === 0) return [];
  const C = m.cols;
  let current = varianceOrder(m)[0]!;
  const used = new Uint8Array(n);
  const order = [current];
  used[current] = 1;
  for (let k = 1; k < n; k++) {
    let best = -1;
    let bestD = Infinity;
    const a = current * C;
    for (let u = 0; u < n; u++) {
      if (used[u]) continue;
      const b = u * C;
      let d = 0;
      for (let c = 0; c < C && d < bestD; c++) {
        const diff = m.data[a + c]! - m.data[b + c]!;
        d += diff * diff;
      }
      if (d < bestD) {
        bestD = d;
        best = u;
      }
    }
    used[best] = 1;
    order.push(best);
    current = best;
  }
  return order;
}

export function unitOrder(m: GateMatrix, sort: UnitSort, col: number): number[] {
  if (sort === 'activation') return activationOrder(m, col);
  if (sort === 'cluster') return clusterOrder(m);
  return varianceOrder(m);
}

/** Which gate decides the order: the one in view, or h (what the rest of the network reads) for all six. */
export function sortGate(shown: GateName | 'all'): GateName {
  return shown === 'all' ? 'h' : shown;
}

// ---------------------------------------------------------------------------------------------
// Colour scales: a 256-entry lookup table per scale, so painting is one table read per cell.

export interface ColourScale {
  kind: 'sequential' | 'diverging';
  /** Values at the two ends; outside values are clamped. */
  lo: number;
  hi: number;
  /** 256 × RGB. */
  lut: Uint8ClampedArray;
  /** For the legend: what the ends mean. */
  note: string;
}

const LUT_SIZE = 256;

function buildLut(colourAt: (t: number) => string): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(LUT_SIZE * 3);
  for (let k = 0; k < LUT_SIZE; k++) {
    const c = rgb(colourAt(k / (LUT_SIZE - 1)));
    lut[k * 3] = c.r;
    lut[k * 3 + 1] = c.g;
    lut[k * 3 + 2] = c.b;
  }
  return lut;
}

/** Viridis: perceptually uniform, readable in greyscale and by most colour-blind readers. */
const SEQUENTIAL_LUT = buildLut(interpolateViridis);
/** Reversed RdBu: negative blue, zero near white, positive red. */
const DIVERGING_LUT = buildLut((t) => interpolateRdBu(1 - t));

export function sequentialColourAt(t: number): string {
  return interpolateViridis(t);
}
export function divergingColourAt(t: number): string {
  return interpolateRdBu(1 - t);
}

/**
 * i, f, o are sigmoids: sequential 0..1. g and h are tanh-bounded: diverging −1..1. The cell c is
 * unbounded, so its diverging scale is symmetric around 0 at ±max|c| of the matrix on screen.
 */
export function scaleFor(gate: GateName, m?: GateMatrix): ColourScale {
  if (gate === 'i' || gate === 'f' || gate === 'o') return { kind: 'sequential', lo: 0, hi: 1, lut: SEQUENTIAL_LUT, note: '0 (closed) to 1 (open)' };
  if (gate === 'g' || gate === 'h') return { kind: 'diverging', lo: -1, hi: 1, lut: DIVERGING_LUT, note: '−1 to 1, white at 0' };
  const extent = m ? Math.max(Math.abs(m.min), Math.abs(m.max)) : 1;
  const r = extent > 1e-6 ? extent : 1e-6;
  return { kind: 'diverging', lo: -r, hi: r, lut: DIVERGING_LUT, note: `symmetric: ±${formatNumber(r)}, white at 0` };
}

export function colourIndex(scale: ColourScale, v: number): number {
  if (!Number.isFinite(v)) return v > 0 ? LUT_SIZE - 1 : 0;
  const t = (v - scale.lo) / (scale.hi - scale.lo);
  return Math.min(LUT_SIZE - 1, Math.max(0, Math.round(t * (LUT_SIZE - 1))));
}

export function colourOf(scale: ColourScale, v: number): [number, number, number] {
  const k = colourIndex(scale, v) * 3;
  return [scale.lut[k]!, scale.lut[k + 1]!, scale.lut[k + 2]!];
}

/** CSS gradient stops for a legend strip, from lo to hi. */
export function legendGradient(scale: ColourScale, stops = 11): string {
  const parts: string[] = [];
  for (let s = 0; s < stops; s++) {
    const [r, g, b] = colourOf(scale, scale.lo + ((scale.hi - scale.lo) * s) / (stops - 1));
    parts.push(`rgb(${r}, ${g}, ${b}) ${((100 * s) / (stops - 1)).toFixed(1)}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

/**
 * The pixels of one map, rows in display order: an RGBA buffer of cols × units (one pixel per cell),
 * later scaled up onto the canvas without smoothing.
 */
export function mapPixels(m: GateMatrix, scale: ColourScale, order: readonly number[], out?: Uint8ClampedArray): Uint8ClampedArray {
  const px = out && out.length === m.cols * order.length * 4 ? out : new Uint8ClampedArray(m.cols * order.length * 4);
  for (let r = 0; r < order.length; r++) {
    const base = order[r]! * m.cols;
    for (let c = 0; c < m.cols; c++) {
      const k = colourIndex(scale, m.data[base + c]!) * 3;
      const p = (r * m.cols + c) * 4;
      px[p] = scale.lut[k]!;
      px[p + 1] = scale.lut[k + 1]!;
      px[p + 2] = scale.lut[k + 2]!;
      px[p + 3] = 255;
    }
  }
  return px;
}

// ---------------------------------------------------------------------------------------------
// Geometry, in CSS pixels. The image column (t = −1) is set apart from the word steps by a gap.

export interface MapBox {
  gate: GateName;
  /** Top-left of the cell area (titles sit above it, word labels below). */
  x: number;
  y: number;
}

export interface HeatmapGeometry {
  cellW: number;
  rowH: number;
  imageGap: number;
  cols: number;
  units: number;
  mapW: number;
  mapH: number;
  titleH: number;
  labelH: number;
  maps: MapBox[];
  width: number;
  height: number;
}

/** padX leaves room left and right of the maps for the selected unit's row markers. */
export const GEOMETRY = { padX: 6, mapGap: 16, titleH: 20, labelH: 64, minCellW: 5, maxCellW: 28, labelCellW: 11, maxRowH: 18 } as const;

/**
 * Lay the maps out left to right, wrapping when the cells would get narrower than `minCellW`.
 * Rows are at least 1 px: 512 units make a 512 px tall map.
 */
export function heatmapGeometry(gates: readonly GateName[], units: number, cols: number, availableWidth: number, maxMapHeight: number): HeatmapGeometry {
  const W = Math.max(availableWidth, 120) - 2 * GEOMETRY.padX;
  const colsSafe = Math.max(cols, 1);
  let perRow = gates.length;
  let cellW = 0;
  let imageGap = 0;
  for (; perRow >= 1; perRow--) {
    const mapSpace = (W - (perRow - 1) * GEOMETRY.mapGap) / perRow;
    imageGap = Math.max(3, Math.round(mapSpace / colsSafe / 2));
    cellW = Math.floor((mapSpace - imageGap) / colsSafe);
    if (cellW >= GEOMETRY.minCellW || perRow === 1) break;
  }
  perRow = Math.max(perRow, 1);
  cellW = Math.min(Math.max(cellW, 2), GEOMETRY.maxCellW);
  imageGap = Math.min(Math.max(3, Math.round(cellW / 2)), 8);
  const rowH = Math.min(Math.max(Math.floor(maxMapHeight / Math.max(units, 1)), 1), GEOMETRY.maxRowH);
  const mapW = cellW * colsSafe + imageGap;
  const mapH = rowH * units;
  const labelH = cellW >= GEOMETRY.labelCellW ? GEOMETRY.labelH : 4;
  const titleH = GEOMETRY.titleH;
  const rows = Math.ceil(gates.length / perRow);
  const maps = gates.map((gate, k) => ({
    gate,
    x: GEOMETRY.padX + (k % perRow) * (mapW + GEOMETRY.mapGap),
    y: Math.floor(k / perRow) * (titleH + mapH + labelH + GEOMETRY.mapGap) + titleH,
  }));
  const width = Math.min(gates.length, perRow) * (mapW + GEOMETRY.mapGap) - GEOMETRY.mapGap + 2 * GEOMETRY.padX;
  const height = rows * (titleH + mapH + labelH) + (rows - 1) * GEOMETRY.mapGap;
  return { cellW, rowH, imageGap, cols, units, mapW, mapH, titleH, labelH, maps, width, height };
}

/** Left edge of column c inside a map's cell area. */
export function columnX(g: HeatmapGeometry, c: number): number {
  return c === 0 ? 0 : g.cellW + g.imageGap + (c - 1) * g.cellW;
}

/** The cell under a point (CSS px relative to the canvas): map index, display row and column; null between cells. */
export function hitTest(g: HeatmapGeometry, x: number, y: number): { map: number; row: number; col: number } | null {
  for (let k = 0; k < g.maps.length; k++) {
    const m = g.maps[k]!;
    const dx = x - m.x;
    const dy = y - m.y;
    if (dx < 0 || dy < 0 || dx >= g.mapW || dy >= g.mapH) continue;
    const row = Math.floor(dy / g.rowH);
    let col: number;
    if (dx < g.cellW) col = 0;
    else if (dx < g.cellW + g.imageGap) return null;
    else col = 1 + Math.floor((dx - g.cellW - g.imageGap) / g.cellW);
    if (col >= g.cols || row >= g.units) return null;
    return { map: k, row, col };
  }
  return null;
}

/** The rectangle of one cell (CSS px relative to the canvas). */
export function cellRect(g: HeatmapGeometry, map: number, row: number, col: number): { x: number; y: number; w: number; h: number } {
  const m = g.maps[map]!;
  return { x: m.x + columnX(g, col), y: m.y + row * g.rowH, w: g.cellW, h: g.rowH };
}

/** Which column a decoding step is: the image step −1 is column 0. Clamped to the path. */
export function stepColumn(step: number, cols: number): number {
  return Math.min(Math.max(step + 1, 0), Math.max(cols - 1, 0));
}

export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const s = v.toFixed(digits);
  // "−0.000" reads as a sign error; show a proper minus for negatives.
  return Number(s) === 0 ? (0).toFixed(digits) : s.replace('-', '−');
}

// ---------------------------------------------------------------------------------------------
// The whole view's data: which path, which maps, which order, which step and unit.

export interface GateViewInput {
  traces: Record<DecoderKind, Trace>;
  /** The vocabulary, id → word. */
  words: readonly string[];
  decoder: DecoderKind;
  node: number;
  gate: GateName | 'all';
  sort: UnitSort;
  step: number;
  unit: number;
}

export interface GateView {
  /** The trace the columns come from, and the beam node (−1: the decoder's own path). */
  trace: Trace;
  node: number;
  columns: GateColumn[];
  /** One label per column: "image", "<start>", then the words fed in. */
  labels: string[];
  /** The maps on screen. */
  gates: GateName[];
  matrices: Record<GateName, GateMatrix>;
  scales: Record<GateName, ColourScale>;
  units: number;
  sort: UnitSort;
  sortBy: GateName;
  /** Display row → unit, and unit → display row. */
  order: number[];
  rowOf: Int32Array;
  /** The current step's column, and whether the step lies beyond this path (then the last column). */
  col: number;
  stepOutside: boolean;
  /** The selected unit, −1 for none. */
  selected: number;
  /** Words for "what is shown": e.g. 'the beam decoder's best caption' or 'beam hypothesis #7 “a dog”'. */
  source: string;
}

export function columnLabels(columns: readonly GateColumn[], words: readonly string[]): string[] {
  return columns.map((c) => (c.input < 0 ? 'image' : (words[c.input] ?? `#${c.input}`)));
}

const DECODER_NAMES: Record<DecoderKind, string> = { greedy: 'greedy', sample: 'sampled', beam: 'beam search' };

/**
 * Everything the heat maps draw, from the traces and the state. `previous` lets a re-render after a
 * step or hover change reuse the matrices (same trace and node) and the order (same sort inputs).
 */
export function prepareGateView(input: GateViewInput, previous?: GateView | null): GateView {
  const trace = input.traces[input.decoder];
  const nodeColumns = input.decoder === 'beam' && input.node >= 0 ? beamNodeColumns(trace, input.node) : null;
  const node = nodeColumns ? input.node : -1;
  const sameData = !!previous && previous.trace === trace && previous.node === node;
  const columns = sameData ? previous.columns : (nodeColumns ?? traceColumns(trace));
  const matrices = sameData ? previous.matrices : gateMatrices(columns);
  const units = matrices.h.units;
  const cols = columns.length;
  const wantCol = input.step + 1;
  const col = stepColumn(input.step, cols);
  const sortBy = sortGate(input.gate);
  const sameOrder = sameData && previous.sort === input.sort && previous.sortBy === sortBy && (input.sort !== 'activation' || previous.col === col);
  const order = sameOrder ? previous.order : unitOrder(matrices[sortBy], input.sort, col);
  const rowOf = sameOrder ? previous.rowOf : new Int32Array(units);
  if (!sameOrder) order.forEach((u, r) => (rowOf[u] = r));
  const scales = sameData ? previous.scales : (Object.fromEntries(GATE_NAMES.map((g) => [g, scaleFor(g, matrices[g])])) as Record<GateName, ColourScale>);
  const labels = sameData ? previous.labels : columnLabels(columns, input.words);
  let source = `the ${DECODER_NAMES[input.decoder]} caption`;
  if (node >= 0) source = `beam hypothesis #${node} “${labels.slice(2).join(' ')}${trace.beam!.nodes[node]!.gates ? '' : ` → ${input.words[trace.beam!.nodes[node]!.token] ?? ''}`}”`;
  return {
    trace,
    node,
    columns,
    labels,
    gates: input.gate === 'all' ? [...GATE_NAMES] : [input.gate],
    matrices,
    scales,
    units,
    sort: input.sort,
    sortBy,
    order,
    rowOf,
    col,
    stepOutside: wantCol !== col,
    selected: input.unit >= 0 && input.unit < units ? input.unit : -1,
    source,
  };
}
