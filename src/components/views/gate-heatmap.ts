/**
 * The gate heat maps: units × steps for i, f, o, g, c, h on a canvas (512 units × 20 steps × 6 maps is
 * 60,000 cells — far too many SVG nodes). Three layers: the base canvas holds the cells and is
 * repainted only when the data, the order, the size or the theme change; the overlay canvas holds the
 * current step and the selected unit; the hover marks and the tooltip are a few small boxes moved
 * with transforms, so a pointer move repaints nothing but them (measured in headless Chromium's software compositor:
 * repainting a full-size overlay canvas, or moving full-length row and column bands, cost ~30–50 ms
 * a frame; small boxes cost next to nothing).
 *
 * The view renders from `$result` and `$state` and never calls the model. It writes `unit` and `step`
 * (click, keyboard) and `gate` and `sort` (its controls) back to the state, and emits `hoverUnit`.
 */
import { THEME_EVENT } from '../article/theme';
import { decoderName } from '../../lib/model-files';
import { withBase } from '../../lib/paths';
import { GATE_NAMES, type GateName } from '../../model/trace';
import { bus } from '../../state/bus';
import type { AppState, UnitSort } from '../../state/state';
import { $result, $state, setState, type DecodeResult } from '../../state/store';
import {
  cellRect,
  columnX,
  formatNumber,
  heatmapGeometry,
  hitTest,
  legendGradient,
  mapPixels,
  matrixValue,
  prepareGateView,
  type ColourScale,
  type GateView,
  type HeatmapGeometry,
} from './gate-layout';
import { parseUnitWords, UnitDetail, type UnitWordsFile } from './unit-detail';
import { VComponent } from './vcomponent';

export interface GateHeatmapInput {
  result: DecodeResult;
  state: AppState;
}

const GATE_TITLES: Record<GateName, string> = { i: 'i · input gate', f: 'f · forget gate', o: 'o · output gate', g: 'g · candidate', c: 'c · cell (memory)', h: 'h · hidden state' };
const SORT_WORDS: Record<UnitSort, string> = { variance: 'by how much they vary over the caption', activation: 'by their activation at the current step', cluster: 'so that units with similar trajectories sit together' };

/** Read-only hook for the e2e tests and frame-time measurements. */
export interface GateDebugHook {
  renders(): number;
  renderMs(): number[];
  /** Main-thread time of each hover frame (crosshair and readout), and of each overlay repaint. */
  hoverMs(): number[];
  overlayMs(): number[];
  /** Main-thread time of each full unit-panel update (equations typeset, word lists, table). */
  panelMs(): number[];
  view(): { units: number; cols: number; order: number[]; col: number; selected: number; gates: GateName[]; sort: UnitSort; sortBy: GateName; node: number; labels: string[] } | null;
  /** A cell's rectangle in CSS pixels relative to the base canvas, or null when not on screen. */
  cell(gate: GateName, unit: number, col: number): { x: number; y: number; w: number; h: number } | null;
  result(): DecodeResult | null;
  state(): AppState;
}
declare global {
  interface Window {
    __gates?: GateDebugHook;
  }
}

type Hover = { unit: number; col: number };
interface Theme {
  fg: string;
  bg: string;
  muted: string;
  font: string;
  key: string;
}

/** Keeps the last 500 timings for the debug hook. */
function record(list: number[], ms: number): void {
  list.push(ms);
  if (list.length > 500) list.shift();
}

function part<T extends Element>(root: HTMLElement, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`gate heat maps: missing [data-testid="${id}"]`);
  return el;
}

export class GateHeatmap extends VComponent<GateHeatmapInput, GateView> {
  static override readonly events = ['hoverUnit'] as const;

  private readonly box: HTMLElement;
  private readonly base: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly readout: HTMLElement;
  private readonly strip: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly sourceLine: HTMLElement;
  private readonly hoverLayer: HTMLElement;
  private hoverBoxes: { cell: HTMLElement; rowL: HTMLElement; rowR: HTMLElement }[] = [];
  private readonly tip: HTMLElement;
  private readonly tipLines = [document.createElement('span'), document.createElement('span')];
  private hoverGeomKey = '';
  private hoverMap = 0;
  private readonly detail: UnitDetail;
  private readonly scratch = document.createElement('canvas');
  private geom: HeatmapGeometry | null = null;
  private words: readonly string[] = [];
  private hover: Hover | null = null;
  private tokenStep: number | null = null;
  private unitWordsRaw: unknown = null;
  private unitWordsNote = 'loading';
  private unitWords: { units: number; file: UnitWordsFile | null; note: string } | null = null;
  private drawnBase: { columns: unknown; order: unknown; gates: string; geomKey: string; theme: string } | null = null;
  private legendKey = '';
  private stripKey = '';
  private overlayQueued = false;
  /** Layout and style reads force the browser to lay out the whole page: take them once, keep them. */
  private width = 0;
  private themeCache: Theme | null = null;
  private detailQueued = false;
  private detailTimer = 0;
  private renderCount = 0;
  readonly renderTimes: number[] = [];
  readonly hoverTimes: number[] = [];
  readonly overlayTimes: number[] = [];
  readonly panelTimes: number[] = [];

  constructor(root: HTMLElement) {
    super(root);
    this.box = part(root, 'gate-maps');
    this.base = part(root, 'gate-canvas');
    this.overlay = part(root, 'gate-overlay');
    this.readout = part(root, 'gate-readout');
    this.strip = part(root, 'gate-steps');
    this.legend = part(root, 'gate-legend');
    this.sourceLine = part(root, 'gate-source');
    this.hoverLayer = part(root, 'gate-hover');
    this.tip = part(root, 'gate-tip');
    this.tip.replaceChildren(...this.tipLines);
    this.detail = new UnitDetail(part(root, 'unit-detail'));
    this.listen();
  }

  get view(): GateView | null {
    return this.prepared;
  }
  get geometry(): HeatmapGeometry | null {
    return this.geom;
  }
  get renders(): number {
    return this.renderCount;
  }

  /** The precomputed "words that drive each unit" (or null with the reason it is missing). */
  setUnitWords(json: unknown, note: string): void {
    this.unitWordsRaw = json;
    this.unitWordsNote = note;
    this.unitWords = null;
    if (this.prepared) this.renderDetail();
  }

  /** The width available to the maps changed (from a ResizeObserver: no layout read here). */
  resize(width: number): void {
    const w = Math.floor(width);
    if (w === this.width || w <= 0) return;
    this.width = w;
    if (this.prepared) this.render(this.prepared);
  }

  /** Force a full repaint (the colour scheme changed). */
  invalidate(): void {
    this.drawnBase = null;
    this.themeCache = null;
    this.legendKey = '';
    if (this.prepared) this.render(this.prepared);
  }

  protected wrangle(input: GateHeatmapInput): GateView {
    this.words = input.result.words;
    const s = input.state;
    return prepareGateView({ traces: input.result.traces, words: input.result.words, decoder: s.decoder, node: s.node, gate: s.gate, sort: s.sort, step: s.step, unit: s.unit }, this.prepared);
  }

  protected render(v: GateView): void {
    const t0 = performance.now();
    if (!this.width) this.width = Math.floor(this.box.clientWidth) || 640;
    const width = this.width;
    const geom = heatmapGeometry(v.gates, v.units, v.columns.length, width, v.gates.length > 1 ? 520 : 640);
    const geomKey = JSON.stringify([geom.width, geom.height, geom.cellW, geom.rowH, window.devicePixelRatio || 1]);
    const theme = this.theme();
    const gatesKey = v.gates.join('');
    const d = this.drawnBase;
    if (!d || d.columns !== v.columns || d.order !== v.order || d.gates !== gatesKey || d.geomKey !== geomKey || d.theme !== theme.key) {
      this.geom = geom;
      this.paintBase(v, geom, theme);
      this.drawnBase = { columns: v.columns, order: v.order, gates: gatesKey, geomKey, theme: theme.key };
    }
    if (this.hover && (this.hover.unit >= v.units || this.hover.col >= v.columns.length)) this.hover = null;
    this.paintOverlay();
    this.paintHover();
    this.renderLegend(v);
    this.renderStrip(v);
    this.renderText(v);
    this.renderDetail();
    this.root.dataset['ready'] = 'true';
    this.renderCount++;
    record(this.renderTimes, performance.now() - t0);
  }

  // ------------------------------------------------------------------------------------------
  // Painting.

  private theme(): Theme {
    if (this.themeCache) return this.themeCache;
    const css = getComputedStyle(this.root);
    const fg = css.getPropertyValue('--fg').trim() || '#1d1d1f';
    const bg = css.getPropertyValue('--panel').trim() || css.getPropertyValue('--bg').trim() || '#ffffff';
    const muted = css.getPropertyValue('--muted').trim() || '#5b5b63';
    const font = css.getPropertyValue('--font').trim() || 'system-ui, sans-serif';
    this.themeCache = { fg, bg, muted, font, key: `${fg}|${bg}|${muted}` };
    return this.themeCache;
  }

  private sizeCanvas(canvas: HTMLCanvasElement, g: HeatmapGeometry): CanvasRenderingContext2D {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(g.width * dpr);
    const h = Math.round(g.height * dpr);
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    canvas.style.width = `${g.width}px`;
    canvas.style.height = `${g.height}px`;
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }

  private paintBase(v: GateView, g: HeatmapGeometry, theme: Theme): void {
    const ctx = this.sizeCanvas(this.base, g);
    ctx.clearRect(0, 0, g.width, g.height);
    this.box.style.height = `${g.height}px`;
    const cols = v.columns.length;
    const units = v.units;
    this.scratch.width = cols;
    this.scratch.height = Math.max(units, 1);
    const sctx = this.scratch.getContext('2d')!;
    // One pixel per cell, then scaled up without smoothing: exact colours, sharp cell edges.
    ctx.imageSmoothingEnabled = false;
    ctx.font = `600 12px ${theme.font}`;
    ctx.textBaseline = 'alphabetic';
    let pixels: Uint8ClampedArray | undefined;
    g.maps.forEach((m) => {
      if (units > 0 && cols > 0) {
        pixels = mapPixels(v.matrices[m.gate], v.scales[m.gate], v.order, pixels);
        sctx.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, cols, units), 0, 0);
        ctx.drawImage(this.scratch, 0, 0, 1, units, m.x, m.y, g.cellW, g.mapH);
        if (cols > 1) ctx.drawImage(this.scratch, 1, 0, cols - 1, units, m.x + g.cellW + g.imageGap, m.y, (cols - 1) * g.cellW, g.mapH);
      }
      ctx.fillStyle = theme.fg;
      ctx.textAlign = 'left';
      ctx.fillText(GATE_TITLES[m.gate], m.x, m.y - 6, g.mapW);
    });
    if (g.labelH > 4) {
      ctx.font = `11px ${theme.font}`;
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'right';
      for (const m of g.maps) {
        for (let c = 0; c < cols; c++) {
          ctx.save();
          ctx.translate(m.x + columnX(g, c) + g.cellW / 2 + 3, m.y + g.mapH + 5);
          ctx.rotate(-Math.PI / 3);
          ctx.fillText(v.labels[c] ?? '', 0, 0, g.labelH);
          ctx.restore();
        }
      }
    }
  }

  /** Repaint the overlay on the next frame (hover moves arrive faster than frames). */
  private queueOverlay(): void {
    if (this.overlayQueued) return;
    this.overlayQueued = true;
    requestAnimationFrame(() => {
      this.overlayQueued = false;
      this.paintOverlay();
    });
  }

  private paintOverlay(): void {
    const v = this.prepared;
    const g = this.geom;
    if (!v || !g) return;
    const t0 = performance.now();
    const theme = this.theme();
    const ctx = this.sizeCanvas(this.overlay, g);
    ctx.clearRect(0, 0, g.width, g.height);
    for (const m of g.maps) {
      // The step in view: a column outlined in the text colour, with a thin background-coloured
      // inner line so it stands out on any cell colour.
      const x = m.x + columnX(g, v.col);
      ctx.lineWidth = 2;
      ctx.strokeStyle = theme.fg;
      ctx.strokeRect(x - 1, m.y - 1, g.cellW + 2, g.mapH + 2);
      ctx.lineWidth = 1;
      ctx.strokeStyle = theme.bg;
      ctx.strokeRect(x + 0.5, m.y + 0.5, g.cellW - 1, Math.max(g.mapH - 1, 0));
      if (this.tokenStep !== null) {
        const tc = this.tokenStep + 1;
        if (tc >= 0 && tc < v.columns.length) {
          ctx.fillStyle = 'rgba(127, 127, 127, 0.35)';
          ctx.fillRect(m.x + columnX(g, tc), m.y - 4, g.cellW, 3);
        }
      }
      if (v.selected >= 0) this.markRow(ctx, g, m, v.rowOf[v.selected]!, theme.fg, theme.bg);
    }
    record(this.overlayTimes, performance.now() - t0);
  }

  /**
   * Places the hover marks: per map, a box around the hovered cell, ticks at both ends of its row and
   * one above its column. Small boxes moved by transform: long row and column bands looked similar
   * but made the software compositor redraw most of the maps on every move (~50 ms a frame here).
   */
  private paintHover(): void {
    const v = this.prepared;
    const g = this.geom;
    if (!v || !g) return;
    const key = JSON.stringify([g.maps, g.mapW, g.mapH, g.cellW, g.rowH]);
    if (key !== this.hoverGeomKey) {
      this.hoverGeomKey = key;
      const box = (cls: string, w: number, h: number) => {
        const d = document.createElement('div');
        d.className = cls;
        d.style.width = `${w}px`;
        d.style.height = `${h}px`;
        return d;
      };
      this.hoverBoxes = g.maps.map(() => ({
        cell: box('hover-cell', g.cellW + 4, g.rowH + 4),
        rowL: box('hover-tick', 5, g.rowH + 4),
        rowR: box('hover-tick', 5, g.rowH + 4),
      }));
      this.hoverLayer.replaceChildren(...this.hoverBoxes.flatMap((b) => [b.cell, b.rowL, b.rowR]));
    }
    const h = this.hover;
    this.hoverLayer.style.visibility = h ? 'visible' : 'hidden';
    this.tip.style.visibility = h ? 'visible' : 'hidden';
    if (!h) return;
    const y = v.rowOf[h.unit]! * g.rowH;
    const cx = columnX(g, h.col);
    const at = (el: HTMLElement, x: number, yy: number) => (el.style.transform = `translate(${x}px, ${yy}px)`);
    g.maps.forEach((m, k) => {
      const b = this.hoverBoxes[k]!;
      at(b.cell, m.x + cx - 2, m.y + y - 2);
      at(b.rowL, m.x - 6, m.y + y - 2);
      at(b.rowR, m.x + g.mapW + 1, m.y + y - 2);
    });
    // The numbers ride next to the pointer, so all that changes on screen stays in one strip.
    const step = v.columns[h.col]!.step;
    this.tipLines[0]!.textContent = `unit ${h.unit} · ${step < 0 ? 'image step' : `t = ${step}, after “${v.labels[h.col]}”`}`;
    this.tipLines[1]!.textContent = GATE_NAMES.map((gn) => `${gn} ${formatNumber(matrixValue(v.matrices[gn], h.unit, h.col), 2)}`).join(' · ');
    const m = g.maps[Math.min(this.hoverMap, g.maps.length - 1)]!;
    const tipW = 310; // 19rem at the tooltip's font size, and a little air
    const right = m.x + cx + g.cellW + 10;
    at(this.tip, right + tipW <= g.width ? right : Math.max(0, m.x + cx - tipW - 10), m.y + y + 8);
  }

  /** The selected unit's row: outlined across the map, with triangles at both ends (rows can be 1 px tall). */
  private markRow(ctx: CanvasRenderingContext2D, g: HeatmapGeometry, m: { x: number; y: number }, row: number, fg: string, bg: string): void {
    const y = m.y + row * g.rowH;
    ctx.lineWidth = 2;
    ctx.strokeStyle = fg;
    ctx.strokeRect(m.x - 1, y - 1, g.mapW + 2, g.rowH + 2);
    ctx.lineWidth = 1;
    ctx.strokeStyle = bg;
    ctx.strokeRect(m.x - 2.5, y - 2.5, g.mapW + 5, g.rowH + 5);
    const mid = y + g.rowH / 2;
    ctx.fillStyle = fg;
    for (const [x0, dir] of [[m.x - 2, -1], [m.x + g.mapW + 2, 1]] as const) {
      ctx.beginPath();
      ctx.moveTo(x0, mid);
      ctx.lineTo(x0 + dir * 4, mid - 4);
      ctx.lineTo(x0 + dir * 4, mid + 4);
      ctx.closePath();
      ctx.fill();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Text: source line, legend, step strip, readout, the canvas's text alternative, unit detail.

  private renderText(v: GateView): void {
    const cols = v.columns.length;
    const outside = v.stepOutside ? ' The step in view lies beyond this path, so its last step is marked.' : '';
    this.sourceLine.textContent = `Showing ${v.source}: ${v.units} units × ${cols} steps (the image step, set apart on the left, then ${cols - 1} words). Units are ordered ${SORT_WORDS[v.sort]}${v.gates.length > 1 || v.sortBy !== v.gates[0] ? ` (of ${v.sortBy})` : ''}.${outside}`;
    const top = v.order.slice(0, 3).join(', ');
    this.base.setAttribute(
      'aria-label',
      `Heat maps of ${v.gates.join(', ')} for ${v.units} LSTM units (rows) over ${cols} steps (columns: ${v.labels.join(', ')}). The first rows are units ${top}. Focus the maps and use the arrow keys to read single values; the panel below lists the selected unit's numbers.`,
    );
    this.box.setAttribute('aria-label', `LSTM gate heat maps, ${v.units} units by ${cols} steps`);
    this.updateReadout();
  }

  private updateReadout(): void {
    const v = this.prepared;
    if (!v) return;
    const target = this.hover ?? (v.selected >= 0 ? { unit: v.selected, col: v.col } : null);
    if (!target) {
      this.readout.textContent = 'No unit selected.';
      return;
    }
    const step = v.columns[target.col]!.step;
    const where = step < 0 ? 'image step' : `step ${step}, after “${v.labels[target.col]}”`;
    const values = GATE_NAMES.map((g) => `${g} ${formatNumber(matrixValue(v.matrices[g], target.unit, target.col), 2)}`).join(' · ');
    this.readout.textContent = `Unit ${target.unit} (row ${v.rowOf[target.unit]! + 1} of ${v.units}), ${where}: ${values}`;
  }

  private renderLegend(v: GateView): void {
    const groups: { gates: GateName[]; scale: ColourScale }[] = [];
    for (const g of v.gates) {
      const s = v.scales[g];
      const same = groups.find((x) => x.scale.lut === s.lut && x.scale.lo === s.lo && x.scale.hi === s.hi);
      if (same) same.gates.push(g);
      else groups.push({ gates: [g], scale: s });
    }
    const key = JSON.stringify(groups.map((x) => [x.gates, x.scale.lo, x.scale.hi]));
    if (key === this.legendKey) return;
    this.legendKey = key;
    const items = groups.map(({ gates, scale }) => {
      const item = document.createElement('div');
      item.className = 'legend-item';
      const name = document.createElement('span');
      name.className = 'legend-name';
      name.textContent = gates.join(', ');
      const strip = document.createElement('span');
      strip.className = 'legend-strip';
      strip.style.background = legendGradient(scale);
      strip.setAttribute('aria-hidden', 'true');
      const lo = document.createElement('span');
      lo.textContent = formatNumber(scale.lo, scale.kind === 'sequential' ? 0 : gates.includes('c') ? 3 : 0);
      const hi = document.createElement('span');
      hi.textContent = formatNumber(scale.hi, scale.kind === 'sequential' ? 0 : gates.includes('c') ? 3 : 0);
      const note = document.createElement('span');
      note.className = 'muted legend-note';
      note.textContent = scale.kind === 'sequential' ? `sequential, ${scale.note}` : `diverging, ${scale.note}`;
      item.append(name, lo, strip, hi, note);
      return item;
    });
    this.legend.replaceChildren(...items);
  }

  private renderStrip(v: GateView): void {
    // Rebuild the buttons only when the path changes; on a step change just move aria-pressed.
    // (Removing the focused button would also make the browser restyle the whole page.)
    const key = JSON.stringify([v.labels, v.columns.map((c) => c.step)]);
    if (key !== this.stripKey) {
      this.stripKey = key;
      const buttons = v.columns.map((c, k) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = c.step < 0 ? 'step image-step' : 'step';
        b.textContent = c.step < 0 ? 'image' : v.labels[k]!;
        b.title = c.step < 0 ? 't = −1: the photo enters the LSTM' : `t = ${c.step}: the LSTM reads “${v.labels[k]}”`;
        b.addEventListener('click', () => setState({ step: c.step }));
        return b;
      });
      this.strip.replaceChildren(...buttons);
    }
    this.strip.querySelectorAll('button').forEach((b, k) => {
      const pressed = String(k === v.col);
      if (b.getAttribute('aria-pressed') !== pressed) b.setAttribute('aria-pressed', pressed);
    });
  }

  private renderDetail(): void {
    const v = this.prepared;
    if (!v) return;
    if (!this.unitWords || this.unitWords.units !== v.units) {
      if (this.unitWordsRaw === null) this.unitWords = { units: v.units, file: null, note: this.unitWordsNote };
      else {
        const parsed = parseUnitWords(this.unitWordsRaw, v.units);
        this.unitWords = typeof parsed === 'string' ? { units: v.units, file: null, note: parsed } : { units: v.units, file: parsed, note: '' };
      }
    }
    const target = this.hover ? { ...this.hover, how: 'hovered' as const } : v.selected >= 0 ? { unit: v.selected, col: v.col, how: 'selected' as const } : null;
    if (!target) {
      this.detail.update(null);
      return;
    }
    this.detail.update({
      unit: target.unit,
      how: target.how,
      columns: v.columns,
      col: target.col,
      labels: v.labels,
      words: this.words,
      gate: v.gates.length === 1 ? v.gates[0]! : 'all',
      unitWords: this.unitWords.file,
      unitWordsNote: this.unitWords.note,
    });
  }

  // ------------------------------------------------------------------------------------------
  // Pointer, keyboard, bus.

  private setHover(h: Hover | null): void {
    const same = h === this.hover || (!!h && !!this.hover && h.unit === this.hover.unit && h.col === this.hover.col);
    if (same) return;
    const unitChanged = (h?.unit ?? -1) !== (this.hover?.unit ?? -1);
    this.hover = h;
    if (unitChanged) bus.emit('hoverUnit', h ? { unit: h.unit } : null);
    // Pointer moves come faster than frames: move the marks and the tooltip once per frame; the
    // readout (a live region) and the unit panel (chart, equations, word lists) follow when the
    // pointer rests. Far-apart changes would also make the compositor redraw all between them.
    if (!this.detailQueued) {
      this.detailQueued = true;
      requestAnimationFrame(() => {
        this.detailQueued = false;
        const t0 = performance.now();
        this.paintHover();
        record(this.hoverTimes, performance.now() - t0);
      });
    }
    clearTimeout(this.detailTimer);
    this.detailTimer = window.setTimeout(() => {
      const t0 = performance.now();
      this.updateReadout();
      this.renderDetail();
      record(this.panelTimes, performance.now() - t0);
    }, 150);
  }

  private listen(): void {
    const at = (e: PointerEvent | MouseEvent): Hover | null => {
      const v = this.prepared;
      const g = this.geom;
      if (!v || !g) return null;
      // offsetX/Y: relative to the overlay canvas (the marks above it take no pointer events), from the
      // layout the browser just hit-tested with — no layout read of ours, and never stale when a
      // view above this one changes height.
      const hit = hitTest(g, e.offsetX, e.offsetY);
      if (hit) this.hoverMap = hit.map;
      return hit ? { unit: v.order[hit.row]!, col: hit.col } : null;
    };
    this.overlay.addEventListener('pointermove', (e) => this.setHover(at(e)));
    this.overlay.addEventListener('pointerleave', () => this.setHover(null));
    this.overlay.addEventListener('click', (e) => {
      // Select what the hover marks and tooltip show: with 1 px rows, the click's rounded
      // coordinates can fall on the neighbouring row.
      const h = this.hover ?? at(e);
      const v = this.prepared;
      if (!h || !v) return;
      setState({ unit: h.unit, step: v.columns[h.col]!.step });
    });
    this.box.addEventListener('keydown', (e) => this.onKey(e));
    bus.on('hoverToken', (t) => {
      this.tokenStep = t ? t.step : null;
      this.queueOverlay();
    });
  }

  private onKey(e: KeyboardEvent): void {
    const v = this.prepared;
    if (!v || v.units === 0 || e.altKey || e.ctrlKey || e.metaKey) return;
    const row = v.selected >= 0 ? v.rowOf[v.selected]! : -1;
    const page = Math.max(8, Math.round(v.units / 16));
    const toRow = (r: number) => setState({ unit: v.order[Math.min(Math.max(r, 0), v.units - 1)]! });
    const toCol = (c: number) => setState({ step: v.columns[Math.min(Math.max(c, 0), v.columns.length - 1)]!.step });
    switch (e.key) {
      case 'ArrowDown':
        toRow(row + (e.shiftKey ? 10 : 1));
        break;
      case 'ArrowUp':
        toRow(row < 0 ? 0 : row - (e.shiftKey ? 10 : 1));
        break;
      case 'PageDown':
        toRow(row + page);
        break;
      case 'PageUp':
        toRow(row - page);
        break;
      case 'Home':
        toRow(0);
        break;
      case 'End':
        toRow(v.units - 1);
        break;
      case 'ArrowRight':
        toCol(v.col + 1);
        break;
      case 'ArrowLeft':
        toCol(v.col - 1);
        break;
      case 'Escape':
        setState({ unit: -1 });
        break;
      default:
        return;
    }
    // Handled here: keep the page-level stepper (← / →) from also acting on the same key.
    e.preventDefault();
    e.stopPropagation();
    this.hover = null;
  }
}

/** Fetches `models/<current>/unit-words.json`; the maps work without it. */
async function loadUnitWords(base: string): Promise<{ json: unknown; note: string }> {
  try {
    const cur = await fetch(withBase(base, 'models/current.json'));
    if (!cur.ok) return { json: null, note: 'the model folder is unknown' };
    const name = decoderName(await cur.json());
    const res = await fetch(withBase(base, `models/${name}/unit-words.json`));
    if (!res.ok) return { json: null, note: `this model has no unit-words.json; run \`npm run unit-words\`` };
    return { json: await res.json(), note: '' };
  } catch (e) {
    return { json: null, note: e instanceof Error ? e.message : String(e) };
  }
}

/** Wires the view to the stores and its controls. Returns a function that unmounts it. */
export function mountGateHeatmaps(root: HTMLElement, base: string): () => void {
  const view = new GateHeatmap(root);
  const sortSelect = part<HTMLSelectElement>(root, 'gate-sort');
  const gateRadios = [...root.querySelectorAll<HTMLInputElement>('input[name="gate-choice"]')];
  const sourceLine = part<HTMLElement>(root, 'gate-source');

  let queued = false;
  const update = () => {
    queued = false;
    const s = $state.get();
    sortSelect.value = s.sort;
    for (const r of gateRadios) r.checked = r.value === s.gate;
    const result = $result.get();
    if (result) view.update({ result, state: s });
    else sourceLine.textContent = 'The heat maps appear once the model has captioned the photo.';
  };
  // Several keys often change together (setState sets them one by one): paint once.
  const schedule = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(update);
  };
  const offs = [$state.subscribe(schedule), $result.subscribe(schedule)];

  sortSelect.addEventListener('change', () => setState({ sort: sortSelect.value as UnitSort }));
  for (const r of gateRadios) r.addEventListener('change', () => r.checked && setState({ gate: r.value as GateName | 'all' }));

  const resize = new ResizeObserver((entries) => {
    for (const e of entries) view.resize(e.contentRect.width);
  });
  resize.observe(part(root, 'gate-maps').parentElement ?? root);
  const dark = window.matchMedia('(prefers-color-scheme: dark)');
  const onScheme = () => view.invalidate();
  dark.addEventListener('change', onScheme);
  window.addEventListener(THEME_EVENT, onScheme);

  void loadUnitWords(base).then(({ json, note }) => view.setUnitWords(json, note));

  window.__gates = {
    renders: () => view.renders,
    renderMs: () => [...view.renderTimes],
    hoverMs: () => [...view.hoverTimes],
    overlayMs: () => [...view.overlayTimes],
    panelMs: () => [...view.panelTimes],
    view: () => {
      const v = view.view;
      return v && { units: v.units, cols: v.columns.length, order: [...v.order], col: v.col, selected: v.selected, gates: [...v.gates], sort: v.sort, sortBy: v.sortBy, node: v.node, labels: [...v.labels] };
    },
    cell: (gate, unit, col) => {
      const v = view.view;
      const g = view.geometry;
      if (!v || !g) return null;
      const map = g.maps.findIndex((m) => m.gate === gate);
      if (map < 0 || unit < 0 || unit >= v.units || col < 0 || col >= v.columns.length) return null;
      return cellRect(g, map, v.rowOf[unit]!, col);
    },
    result: () => $result.get(),
    state: () => $state.get(),
  };

  return () => {
    offs.forEach((off) => off());
    resize.disconnect();
    dark.removeEventListener('change', onScheme);
    window.removeEventListener(THEME_EVENT, onScheme);
  };
}
