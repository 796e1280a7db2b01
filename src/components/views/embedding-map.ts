/**
 * The word-embedding map (issue #7): every vocabulary word's learned embedding (a row of W_e),
 * projected to 2-D by UMAP, drawn on a canvas with d3-zoom for pan and zoom.
 *
 * Two parts in this file:
 * - `EmbeddingMapView`, the VComponent that draws: dots coloured by category and sized by frequency,
 *   labels for frequent words (more as you zoom in), the current caption as a path, the selected
 *   word with lines to its nearest neighbours, and the guided horse/pony/donkey group.
 * - `mountEmbeddingMap`, the controller: loads layout.json, starts the worker (umap-worker.ts) that
 *   holds W_e, and wires the search box, neighbour list, guided view, live recompute and export.
 *   A switch shows the text-only skip-gram vectors instead (text-layout.json), when the model ships
 *   them; every part of the map then answers from those vectors.
 * Pure rules live in embedding-layout.ts; the UMAP run and file format in src/model/umap-layout.ts.
 * Words are data: everything written to the page goes through textContent.
 */
import { THEME_EVENT } from '../article/theme';
import { quadtree, select, zoom, zoomIdentity, type Quadtree, type ZoomBehavior, type ZoomTransform } from 'd3';
import umapPackage from 'umap-js/package.json' with { type: 'json' };
import categoryList from '../../data/word-categories.json' with { type: 'json' };
import type { Neighbour } from '../../model/neighbours';
import { buildLayoutFile, DEFAULT_LAYOUT_SETTINGS, parseLayoutFile, type LayoutFile, type LayoutProgress, type ResolvedSettings } from '../../model/umap-layout';
import { bus } from '../../state/bus';
import { $result, $state, setState } from '../../state/store';
import type { WorkerReply, WorkerRequest } from '../../workers/umap-worker';
import { withBase } from '../../lib/paths';
import { layoutFileName, type EmbeddingSpace } from '../../model/text-embedding';
import {
  baseProjection,
  captionPath,
  categorise,
  describeMap,
  dotRadii,
  fitTransform,
  frequencyOrder,
  GUIDED_WORDS,
  guidedGroup,
  labelBudget,
  layoutMismatch,
  listWords,
  missingSentence,
  placeLabels,
  pointIndex,
  rankComparison,
  searchMatches,
  SPACE_NAMES,
  describeTextMethod,
  type PathStop,
  type PointIndex,
} from './embedding-layout';
import { VComponent } from './vcomponent';

// ================================================================================================
// The view

/** The layout being drawn: the shipped file, or a live recompute (same words, new coordinates). */
export interface MapLayout {
  file: LayoutFile;
  x: Float32Array;
  y: Float32Array;
  settings: ResolvedSettings;
  source: 'precomputed' | 'live' | 'converging';
}

export interface MapInput {
  layout: MapLayout;
  selected: string;
  /** Vocabulary ids of the selected word's nearest neighbours (full embedding space). */
  neighbours: readonly number[];
  /** The caption's token ids and the step in view. */
  tokens: readonly number[];
  step: number;
  guided: readonly string[];
  hovered: string | null;
}

interface Static {
  radius: Float32Array;
  /** Point indices per category; the last list is "other". */
  byCategory: Int32Array[];
  order: number[];
  index: PointIndex;
}

interface Prepared extends Static {
  layout: MapLayout;
  n: number;
  selected: number;
  neighbours: number[];
  path: PathStop[];
  guided: number[];
  hovered: number;
  /** True when something is highlighted, so the rest of the map is dimmed. */
  focus: boolean;
}

const MAX_ZOOM = 64;

function reducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

export class EmbeddingMapView extends VComponent<MapInput, Prepared> {
  static override readonly events = ['hoverWord'] as const;

  private readonly ctx: CanvasRenderingContext2D;
  private readonly zoomer: ZoomBehavior<HTMLCanvasElement, unknown>;
  private transform: ZoomTransform = zoomIdentity;
  private width = 0;
  private height = 0;
  private frame = 0;
  private tree: Quadtree<number> | null = null;
  private treeFor: Float32Array | null = null;
  private colours = { cats: [] as string[], other: '#888', fg: '#000', bg: '#fff', accent: '#06c', muted: '#666' };
  private readonly widths = new Map<string, number>();
  private staticFor: { file: LayoutFile; data: Static } | null = null;
  private hoverPoint = -1;

  constructor(
    root: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly tooltip: HTMLElement,
    private readonly onSelect: (word: string) => void,
  ) {
    super(root);
    this.ctx = canvas.getContext('2d')!;
    this.zoomer = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([0.5, MAX_ZOOM])
      .on('zoom', (e: { transform: ZoomTransform }) => {
        this.transform = e.transform;
        this.canvas.dataset['zoom'] = e.transform.k.toFixed(3);
        this.requestDraw();
      });
    select(canvas).call(this.zoomer).on('dblclick.zoom', null);
    canvas.addEventListener('pointermove', (e) => this.pointer(e));
    canvas.addEventListener('pointerleave', () => this.setHover(-1, null));
    canvas.addEventListener('click', (e) => {
      const i = this.pick(e);
      if (i >= 0 && this.prepared) this.onSelect(this.prepared.layout.file.words[i]!);
    });
    canvas.addEventListener('keydown', (e) => this.key(e));
    new ResizeObserver(() => this.resize()).observe(canvas);
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    const recolour = () => {
      this.readColours();
      this.requestDraw();
    };
    scheme.addEventListener('change', recolour);
    window.addEventListener(THEME_EVENT, recolour);
    this.readColours();
    this.resize();
  }

  /** Colours come from CSS custom properties, so light and dark themes live in the stylesheet. */
  private readColours(): void {
    const css = getComputedStyle(this.root);
    const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
    this.colours = {
      cats: Array.from({ length: 6 }, (_, c) => v(`--emb-cat-${c}`, '#888')),
      other: v('--emb-cat-other', '#888'),
      fg: v('--fg', '#1d1d1f'),
      bg: v('--panel', '#f1f1ee'),
      accent: v('--accent', '#0b5fad'),
      muted: v('--muted', '#5b5b63'),
    };
  }

  protected wrangle(input: MapInput): Prepared {
    const file = input.layout.file;
    if (this.staticFor?.file !== file) {
      const nCat = file.categories.length;
      const lists: number[][] = Array.from({ length: nCat + 1 }, () => []);
      file.category.forEach((c, i) => lists[c >= 0 ? c : nCat]!.push(i));
      this.staticFor = {
        file,
        data: { radius: dotRadii(file.counts), byCategory: lists.map((l) => Int32Array.from(l)), order: frequencyOrder(file.counts), index: pointIndex(file) },
      };
    }
    const s = this.staticFor.data;
    const point = (w: string) => s.index.ofWord.get(w) ?? -1;
    const selected = input.selected ? point(input.selected) : -1;
    const neighbours = selected >= 0 ? input.neighbours.map((id) => s.index.ofId.get(id) ?? -1).filter((i) => i >= 0) : [];
    const path = captionPath(input.tokens, input.step, s.index.ofId);
    const guided = input.guided.map(point).filter((i) => i >= 0);
    const hovered = input.hovered ? point(input.hovered) : -1;
    return { ...s, layout: input.layout, n: file.words.length, selected, neighbours, path, guided, hovered, focus: selected >= 0 || guided.length > 0 || path.some((p) => p.point >= 0) };
  }

  protected render(): void {
    this.requestDraw();
  }

  private requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private resize(): void {
    const rect = this.canvas.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return;
    this.width = rect.width;
    this.height = rect.height;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    this.canvas.width = Math.round(rect.width * dpr);
    this.canvas.height = Math.round(rect.height * dpr);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.zoomer.extent([
      [0, 0],
      [rect.width, rect.height],
    ]);
    this.requestDraw();
  }

  /** Base (zoom 1) pixel position of point i. */
  private base(i: number, p: Prepared): [number, number] {
    const b = baseProjection(this.width, this.height);
    return [b.cx + p.layout.x[i]! * b.s, b.cy - p.layout.y[i]! * b.s];
  }

  private labelWidth(word: string): number {
    let w = this.widths.get(word);
    if (w === undefined) {
      w = this.ctx.measureText(word).width;
      this.widths.set(word, w);
    }
    return w;
  }

  private draw(): void {
    const p = this.prepared;
    const ctx = this.ctx;
    const t0 = performance.now();
    ctx.clearRect(0, 0, this.width, this.height);
    if (!p || this.width === 0) return;
    const { k, x: tx, y: ty } = this.transform;
    const b = baseProjection(this.width, this.height);
    const X = p.layout.x;
    const Y = p.layout.y;
    const sx = (i: number) => tx + k * (b.cx + X[i]! * b.s);
    const sy = (i: number) => ty + k * (b.cy - Y[i]! * b.s);
    // Dots grow slowly with zoom: enough to separate neighbours without covering them.
    const grow = Math.min(3, k ** 0.35);
    const r = (i: number) => p.radius[i]! * grow;
    const W = this.width;
    const H = this.height;

    // 1. Every word, one path per category (a few thousand arcs, one fill each).
    ctx.globalAlpha = p.focus ? 0.4 : 0.85;
    p.byCategory.forEach((list, c) => {
      ctx.fillStyle = c < this.colours.cats.length && c < p.layout.file.categories.length ? this.colours.cats[c]! : this.colours.other;
      ctx.beginPath();
      for (let j = 0; j < list.length; j++) {
        const i = list[j]!;
        const x = sx(i);
        const y = sy(i);
        if (x < -8 || y < -8 || x > W + 8 || y > H + 8) continue;
        const rad = r(i);
        ctx.moveTo(x + rad, y);
        ctx.arc(x, y, rad, 0, 2 * Math.PI);
      }
      ctx.fill();
    });
    ctx.globalAlpha = 1;

    // 2. Lines from the selected word to its nearest neighbours (in 256-d, so some are far on the map).
    if (p.selected >= 0 && p.neighbours.length) {
      ctx.strokeStyle = this.colours.accent;
      ctx.lineWidth = 1;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      for (const i of p.neighbours) {
        ctx.moveTo(sx(p.selected), sy(p.selected));
        ctx.lineTo(sx(i), sy(i));
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }

    // 3. The caption so far, as a path through its words.
    const stops = p.path.filter((s) => s.point >= 0);
    if (stops.length) {
      ctx.strokeStyle = this.colours.fg;
      ctx.lineWidth = 2;
      ctx.globalAlpha = 0.8;
      ctx.beginPath();
      stops.forEach((s, j) => (j === 0 ? ctx.moveTo(sx(s.point), sy(s.point)) : ctx.lineTo(sx(s.point), sy(s.point))));
      ctx.stroke();
      ctx.globalAlpha = 1;
    }

    // 4. Highlighted words drawn again at full strength, with rings.
    const ring = (i: number, colour: string, width: number, extra = 3) => {
      ctx.fillStyle = this.fillOf(i, p);
      ctx.beginPath();
      ctx.arc(sx(i), sy(i), r(i), 0, 2 * Math.PI);
      ctx.fill();
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.arc(sx(i), sy(i), r(i) + extra, 0, 2 * Math.PI);
      ctx.stroke();
    };
    for (const i of p.neighbours) ring(i, this.colours.accent, 1);
    for (const i of p.guided) ring(i, this.colours.fg, 2);
    for (const s of stops) ring(s.point, this.colours.fg, 1.5);
    const current = stops.at(-1);
    if (current && current.position === p.path.at(-1)?.position) ring(current.point, this.colours.fg, 3, 5);
    if (p.selected >= 0) ring(p.selected, this.colours.accent, 3, 5);
    const hovered = this.hoverPoint >= 0 ? this.hoverPoint : p.hovered;
    if (hovered >= 0) ring(hovered, this.colours.fg, 2, 4);

    // 5. Labels: highlighted words always, then the most frequent words the zoom allows, without overlaps.
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const pathLabel = new Map<number, string>();
    for (const s of stops) pathLabel.set(s.point, pathLabel.has(s.point) ? `${pathLabel.get(s.point)},${s.position + 1}` : `${s.position + 1}`);
    const text = (i: number) => (pathLabel.has(i) ? `${pathLabel.get(i)}: ${p.layout.file.words[i]}` : p.layout.file.words[i]!);
    const forced = [p.selected, hovered, ...p.guided, ...stops.map((s) => s.point), ...p.neighbours].filter((i) => i >= 0);
    const budget = labelBudget(k, p.n);
    const candidates = [...new Set([...forced, ...p.order.slice(0, budget)])];
    const boxes = placeLabels(candidates, (i) => ({ x: sx(i), y: sy(i), r: r(i) }), (i) => this.labelWidth(text(i)), { width: W, height: H }, { force: new Set(forced), max: 300 });
    ctx.lineJoin = 'round';
    for (const box of boxes) {
      const label = text(box.point);
      const strong = forced.includes(box.point);
      ctx.font = strong ? '600 12px system-ui, sans-serif' : '12px system-ui, sans-serif';
      ctx.strokeStyle = this.colours.bg;
      ctx.lineWidth = 3;
      ctx.strokeText(label, box.x, box.y + box.h / 2);
      ctx.fillStyle = strong ? this.colours.fg : this.colours.muted;
      ctx.fillText(label, box.x, box.y + box.h / 2);
    }
    this.canvas.dataset['drawMs'] = (performance.now() - t0).toFixed(2);
    this.canvas.dataset['labels'] = String(boxes.length);
  }

  private fillOf(i: number, p: Prepared): string {
    const c = p.layout.file.category[i]!;
    return c >= 0 && c < this.colours.cats.length ? this.colours.cats[c]! : this.colours.other;
  }

  // ---- Interaction ----------------------------------------------------------------------------

  /** The point under the pointer (within 10 px), or -1. */
  private pick(e: MouseEvent): number {
    const p = this.prepared;
    if (!p) return -1;
    if (this.treeFor !== p.layout.x) {
      const pts = Array.from({ length: p.n }, (_, i) => i);
      this.tree = quadtree<number>()
        .x((i) => this.base(i, p)[0])
        .y((i) => this.base(i, p)[1])
        .addAll(pts);
      this.treeFor = p.layout.x;
    }
    const rect = this.canvas.getBoundingClientRect();
    const [bx, by] = this.transform.invert([e.clientX - rect.left, e.clientY - rect.top]);
    return this.tree!.find(bx, by, 10 / this.transform.k) ?? -1;
  }

  private pointer(e: PointerEvent): void {
    const i = this.pick(e);
    const rect = this.canvas.getBoundingClientRect();
    this.setHover(i, i >= 0 ? { x: e.clientX - rect.left, y: e.clientY - rect.top } : null);
  }

  private setHover(i: number, at: { x: number; y: number } | null): void {
    const p = this.prepared;
    if (i === this.hoverPoint) return;
    this.hoverPoint = i;
    if (i >= 0 && p && at) {
      const f = p.layout.file;
      const cat = f.category[i]! >= 0 ? f.categories[f.category[i]!]! : 'other';
      this.tooltip.textContent = `${f.words[i]} · ${cat}${f.counts[i] ? ` · ${f.counts[i]!.toLocaleString('en')} uses in training captions` : ''}`;
      this.tooltip.style.left = `${Math.min(at.x + 12, this.width - 160)}px`;
      this.tooltip.style.top = `${at.y + 12}px`;
      this.tooltip.hidden = false;
      bus.emit('hoverWord', { word: f.words[i]! });
    } else {
      this.tooltip.hidden = true;
      bus.emit('hoverWord', null);
    }
    this.requestDraw();
  }

  private key(e: KeyboardEvent): void {
    const step = e.shiftKey ? 160 : 40;
    const moves: Record<string, () => void> = {
      ArrowLeft: () => this.panBy(step, 0),
      ArrowRight: () => this.panBy(-step, 0),
      ArrowUp: () => this.panBy(0, step),
      ArrowDown: () => this.panBy(0, -step),
      '+': () => this.zoomBy(1.5),
      '=': () => this.zoomBy(1.5),
      '-': () => this.zoomBy(1 / 1.5),
      _: () => this.zoomBy(1 / 1.5),
      '0': () => this.reset(),
      Home: () => this.reset(),
    };
    const move = moves[e.key];
    if (!move || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    move();
  }

  private go(t: ZoomTransform, animate: boolean): void {
    const canvas = select(this.canvas);
    if (animate && !reducedMotion()) canvas.transition().duration(650).call(this.zoomer.transform, t);
    else canvas.interrupt().call(this.zoomer.transform, t);
  }

  panBy(dx: number, dy: number): void {
    select(this.canvas).interrupt().call(this.zoomer.translateBy, dx / this.transform.k, dy / this.transform.k);
  }

  zoomBy(f: number): void {
    select(this.canvas).interrupt().call(this.zoomer.scaleBy, f, [this.width / 2, this.height / 2]);
  }

  reset(animate = true): void {
    this.go(zoomIdentity, animate);
  }

  /** Centre on a word, zooming in to at least 4× so its neighbourhood is labelled. */
  flyTo(word: string, animate = true): boolean {
    const p = this.prepared;
    const i = p?.index.ofWord.get(word) ?? -1;
    if (!p || i < 0 || this.width === 0) return false;
    const [bx, by] = this.base(i, p);
    const k = Math.min(MAX_ZOOM, Math.max(this.transform.k, 4));
    this.go(zoomIdentity.translate(this.width / 2 - k * bx, this.height / 2 - k * by).scale(k), animate);
    return true;
  }

  /** Show a group of words together (the guided view). */
  fitWords(words: readonly string[], animate = true): void {
    const p = this.prepared;
    if (!p || this.width === 0) return;
    const pts = words.map((w) => p.index.ofWord.get(w) ?? -1).filter((i) => i >= 0);
    if (pts.length === 0) return;
    const xs = pts.map((i) => this.base(i, p)[0]);
    const ys = pts.map((i) => this.base(i, p)[1]);
    const f = fitTransform({ x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) }, this.width, this.height, { padding: 70, maxK: 24 });
    this.go(zoomIdentity.translate(f.x, f.y).scale(f.k), animate);
  }
}

// ================================================================================================
// The controller

function part<T extends Element>(root: HTMLElement, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`embedding map: missing [data-testid="${id}"]`);
  return el;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

const fmt = (n: number) => n.toLocaleString('en');

function describeSettings(s: ResolvedSettings): string {
  return s.method === 'umap' ? `UMAP (n_neighbors ${s.nNeighbors}, min_dist ${s.minDist}, seed ${s.seed})` : 'PCA (the first two principal components)';
}

function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = el('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Mounts one embedding-map figure; returns a function that stops it. */
export function mountEmbeddingMap(root: HTMLElement, base: string): () => void {
  const canvas = part<HTMLCanvasElement>(root, 'emb-canvas');
  const status = part<HTMLElement>(root, 'emb-status');
  const search = part<HTMLInputElement>(root, 'emb-search');
  const options = part<HTMLUListElement>(root, 'emb-options');
  const searchNote = part<HTMLElement>(root, 'emb-search-note');
  const neighbourTitle = part<HTMLElement>(root, 'emb-neighbours-title');
  const neighbourList = part<HTMLOListElement>(root, 'emb-neighbours');
  const guidedButton = part<HTMLButtonElement>(root, 'emb-guided');
  const guidedBox = part<HTMLElement>(root, 'emb-guided-box');
  const pathText = part<HTMLElement>(root, 'emb-path');
  const legend = part<HTMLUListElement>(root, 'emb-legend');
  const nNeighbors = part<HTMLInputElement>(root, 'emb-n-neighbors');
  const minDist = part<HTMLInputElement>(root, 'emb-min-dist');
  const seed = part<HTMLInputElement>(root, 'emb-seed');
  const showConverging = part<HTMLInputElement>(root, 'emb-show-converging');
  const recompute = part<HTMLButtonElement>(root, 'emb-recompute');
  const cancel = part<HTMLButtonElement>(root, 'emb-cancel');
  const restore = part<HTMLButtonElement>(root, 'emb-restore');
  const progress = part<HTMLProgressElement>(root, 'emb-progress');
  const progressText = part<HTMLElement>(root, 'emb-progress-text');
  const exportJson = part<HTMLButtonElement>(root, 'emb-export-json');
  const exportPng = part<HTMLButtonElement>(root, 'emb-export-png');
  const spaceInputs = [...root.querySelectorAll<HTMLInputElement>('input[name="emb-space"]')];
  const spaceNote = part<HTMLElement>(root, 'emb-space-note');

  let layout: MapLayout | null = null;
  /** Word → point lookups for the layout's word list (the same for every recompute of it). */
  let index: PointIndex = pointIndex({ ids: [], words: [] });
  /** The space on show, and its shipped map (layout.json or text-layout.json). */
  let space: EmbeddingSpace = 'decoder';
  let shipped: MapLayout | null = null;
  /** Whether the shipped map exists for this model and space ('pending' until its fetch settles). */
  let shippedState: 'pending' | 'found' | 'missing' = 'pending';
  /** Each space's shipped map, fetched once (null: the model ships none). */
  const shippedFiles = new Map<EmbeddingSpace, Promise<LayoutFile | null>>();
  /** The text-only vectors: 'pending' until the worker has loaded, then whether the model ships them. */
  let textState: 'pending' | 'available' | 'missing' = 'pending';
  let textMethod: Record<string, unknown> = {};
  let modelFolder = '';
  let modelName = '';
  let vocab: { words: string[]; counts: number[] } | null = null;
  let neighbours: Neighbour[] = [];
  let neighboursOf = '';
  let guided: string[] = [];
  /** The guided group's neighbour ranks, per space. */
  const guidedRanks = new Map<EmbeddingSpace, { ranks: number[][]; of: number }>();
  let hovered: string | null = null;
  let lastWord: string | null = null;
  let runId = 0;
  let requestId = 0;
  let running = false;

  const view = new EmbeddingMapView(root, canvas, part<HTMLElement>(root, 'emb-tooltip'), (word) => choose(word));
  if (reducedMotion()) showConverging.checked = false;

  // ---- Worker -----------------------------------------------------------------------------------
  const worker = new Worker(new URL('../../workers/umap-worker.ts', import.meta.url), { type: 'module' });
  const send = (req: WorkerRequest) => worker.postMessage(req);
  worker.onmessage = (e: MessageEvent<WorkerReply>) => onReply(e.data);
  worker.onerror = (e) => say(`The embedding worker failed: ${e.message}`, true);

  function say(message: string, error = false): void {
    status.textContent = message;
    status.classList.toggle('error', error);
  }

  function summary(): string {
    if (!layout) return '';
    const s = layout.settings;
    const n = fmt(layout.file.words.length);
    const how = describeSettings(s);
    const source = layout.source === 'precomputed' ? `precomputed by npm run layout${space === 'text' ? ' -- --space text' : ''}` : 'recomputed live in this tab';
    const note = s.method === 'pca' ? ` Only ${n} words: UMAP needs at least 15, so this map shows PCA.` : '';
    const vectors = space === 'text' ? 'by their text-only skip-gram vectors' : 'by the captioner’s W_e';
    return `${n} words of the “${layout.file.model}” model, ${vectors}, placed by ${how}, ${source}.${note}`;
  }

  function update(): void {
    if (!layout) return;
    const s = $state.get();
    const result = $result.get();
    const tokens = result?.traces[s.decoder]?.tokens ?? [];
    view.update({ layout, selected: s.word, neighbours: neighboursOf === s.word ? neighbours.map((n) => n.id) : [], tokens, step: s.step, guided, hovered });
    const stops = captionPath(tokens, s.step, index.ofId);
    const words = stops.map((p) => result?.words[p.token] ?? '?');
    pathText.textContent = words.length ? `Caption so far (step ${s.step + 1}): ${words.join(' → ')}` : 'The caption path appears once the model has captioned the photo and you step into it.';
    canvas.setAttribute(
      'aria-label',
      describeMap({
        words: layout.file.words.length,
        method: layout.settings.method === 'umap' ? 'UMAP' : 'PCA',
        selected: s.word || undefined,
        neighbours: neighboursOf === s.word ? neighbours.map((n) => n.word) : undefined,
        path: words,
        guided,
      }),
    );
  }

  function setLayout(next: MapLayout): void {
    if (next.file !== layout?.file) {
      renderLegend(next.file);
      index = pointIndex(next.file);
    }
    layout = next;
    update();
  }

  function renderLegend(file: LayoutFile): void {
    const counts = new Array<number>(file.categories.length + 1).fill(0);
    for (const c of file.category) counts[c >= 0 ? c : file.categories.length]!++;
    const items = [...file.categories.map((name, c) => ({ name, c: String(c), n: counts[c]! })), { name: 'other', c: 'other', n: counts[file.categories.length]! }];
    legend.replaceChildren(
      ...items.map(({ name, c, n }) => {
        const li = el('li');
        const sw = el('span', undefined, 'emb-swatch');
        sw.style.background = `var(--emb-cat-${c})`;
        sw.setAttribute('aria-hidden', 'true');
        li.append(sw, el('span', `${name} (${fmt(n)})`));
        return li;
      }),
    );
  }

  // ---- Replies ----------------------------------------------------------------------------------
  function onReply(r: WorkerReply): void {
    if (r.type === 'loaded') {
      vocab = { words: r.words, counts: r.counts };
      textState = 'missing' in r.text ? 'missing' : 'available';
      textMethod = 'method' in r.text ? r.text.method : {};
      syncSpaceControls();
      if (space === 'text' && textState === 'missing') {
        fallBackToDecoder();
        return;
      }
      if (shippedState === 'found') checkVocabulary();
      else if (shippedState === 'missing') startLive(true);
      askNeighbours();
      if (guided.length) askRanks();
    } else if (r.type === 'neighbours') {
      const word = vocab?.words[r.word] ?? '';
      if (word !== $state.get().word || r.space !== space) return;
      neighbours = r.list;
      neighboursOf = word;
      renderNeighbours();
      update();
    } else if (r.type === 'ranks') {
      const words = r.words.map((id) => vocab?.words[id] ?? '?');
      if (words.join() !== guided.join()) return;
      guidedRanks.set(r.space, { ranks: r.ranks, of: r.of });
      renderRanks();
    }
    else if (r.type === 'progress') {
      if (r.id !== runId) return;
      progress.value = r.progress.fraction;
      progressText.textContent = progressLine(r.progress);
      if (r.frame && layout && showConverging.checked) setLayout({ ...layout, x: r.frame.x, y: r.frame.y, source: 'converging' });
    } else if (r.type === 'layout') {
      if (r.id !== runId || !layout) return;
      running = false;
      setLayout({ ...layout, x: r.x, y: r.y, settings: r.settings, source: 'live' });
      progress.value = 1;
      progressText.textContent = `Done in ${(r.ms / 1000).toFixed(1)} s.`;
      say(summary());
      syncButtons();
    } else if (r.type === 'cancelled') {
      if (r.id !== runId) return;
      running = false;
      progressText.textContent = 'Cancelled.';
      if (shipped) setLayout(shipped);
      syncButtons();
    } else if (r.type === 'error') {
      running = false;
      syncButtons();
      say(`The embedding worker failed: ${r.message}`, true);
    }
  }

  function checkVocabulary(): void {
    const why = shipped && vocab ? layoutMismatch(shipped.file, vocab.words) : null;
    if (why) say(`This map does not belong to the loaded model (${why}); press “Recompute” to draw it afresh.`, true);
  }

  function progressLine(p: LayoutProgress): string {
    const pct = `${Math.round(p.fraction * 100)} %`;
    if (p.phase === 'neighbours') return `${pct}: finding each word's nearest neighbours (${fmt(p.done)} of ${fmt(p.total)} words)…`;
    if (p.phase === 'init') return `${pct}: building the neighbourhood graph…`;
    if (p.phase === 'optimise') return `${pct}: arranging the map (epoch ${fmt(p.done)} of ${fmt(p.total)})…`;
    return 'Done.';
  }

  // ---- Live recompute ---------------------------------------------------------------------------
  function startLive(fromScratch = false): void {
    if (!vocab) {
      say('The embeddings are still loading; try again in a moment.');
      return;
    }
    if (fromScratch || !layout) {
      // No shipped layout: build the word list here (same rules as npm run layout) and compute it.
      const ids = vocab.words.map((_, id) => id).slice(3);
      const words = ids.map((id) => vocab!.words[id]!);
      const { categories, category } = categorise(words, categoryList);
      // NaN positions draw nothing until the first frame of the run arrives.
      const x = new Float32Array(ids.length).fill(NaN);
      const file = buildLayoutFile({
        model: modelName,
        vocabSize: vocab.words.length,
        ids,
        words,
        counts: ids.map((id) => vocab!.counts[id] ?? 0),
        categories,
        category,
        result: { x, y: x, settings: { ...DEFAULT_LAYOUT_SETTINGS, method: 'umap', nEpochs: 0, metric: 'cosine', knn: 'exact' } },
        umapJs: umapPackage.version,
        embedding: space,
      });
      setLayout({ file, x, y: x, settings: file.settings, source: 'converging' });
      say(`No precomputed map of ${SPACE_NAMES[space]} ships with the “${modelName}” model, so it is being computed in this tab.`);
    }
    runId = ++requestId;
    running = true;
    progress.value = 0;
    progressText.textContent = 'Starting…';
    send({ type: 'layout', id: runId, space, ids: layout!.file.ids, settings: { nNeighbors: Number(nNeighbors.value), minDist: Number(minDist.value), seed: Number(seed.value) }, frames: true });
    syncButtons();
  }

  function syncButtons(): void {
    recompute.disabled = running;
    cancel.disabled = !running;
    restore.disabled = running || !shipped || layout?.source === 'precomputed';
  }

  recompute.addEventListener('click', () => startLive());
  cancel.addEventListener('click', () => send({ type: 'cancel', id: runId }));
  restore.addEventListener('click', () => {
    if (!shipped) return;
    setLayout(shipped);
    say(summary());
    syncButtons();
  });
  for (const input of [nNeighbors, minDist]) {
    const out = root.querySelector<HTMLOutputElement>(`output[for="${input.id}"]`);
    input.addEventListener('input', () => {
      if (out) out.value = input.value;
    });
  }

  // ---- Export -----------------------------------------------------------------------------------
  exportJson.addEventListener('click', () => {
    if (!layout) return;
    const file = buildLayoutFile({ ...layout.file, result: { x: layout.x, y: layout.y, settings: layout.settings }, umapJs: layout.file.settings.umapJs });
    download(`${layout.file.model}-${layoutFileName(space)}`, new Blob([JSON.stringify(file)], { type: 'application/json' }));
  });
  exportPng.addEventListener('click', () => {
    // The map is drawn on a transparent canvas over the page's background; the picture gets that background baked in.
    const out = el('canvas');
    out.width = canvas.width;
    out.height = canvas.height;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = getComputedStyle(canvas).backgroundColor;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(canvas, 0, 0);
    out.toBlob((blob) => blob && download(`${layout?.file.model ?? 'embedding'}-${space === 'text' ? 'text-' : ''}map.png`, blob));
  });

  // ---- Neighbours -------------------------------------------------------------------------------
  function askNeighbours(): void {
    const word = $state.get().word;
    if (!word || !vocab) return;
    const id = vocab.words.indexOf(word);
    if (id < 3 || (space === 'text' && textState !== 'available')) return;
    send({ type: 'neighbours', id: ++requestId, space, word: id, k: 10 });
  }

  function renderNeighbours(): void {
    const word = $state.get().word;
    neighbourTitle.textContent = word ? `Nearest neighbours of “${word}”` : 'Nearest neighbours';
    if (!word) {
      neighbourList.replaceChildren();
      return;
    }
    if (neighboursOf !== word) {
      neighbourList.replaceChildren(el('li', vocab && shippedState !== 'pending' ? 'Looking…' : 'Loading the embeddings…', 'muted'));
      return;
    }
    neighbourList.replaceChildren(
      ...neighbours.map((n) => {
        const li = el('li');
        const b = el('button', n.word, 'emb-word');
        b.type = 'button';
        b.dataset['word'] = n.word;
        b.addEventListener('click', () => choose(n.word));
        b.addEventListener('mouseenter', () => bus.emit('hoverWord', { word: n.word }));
        b.addEventListener('mouseleave', () => bus.emit('hoverWord', null));
        const bar = el('span', undefined, 'emb-bar');
        bar.style.width = `${Math.max(0, n.cosine) * 100}%`;
        bar.setAttribute('aria-hidden', 'true');
        const cos = el('span', n.cosine.toFixed(3), 'emb-cos');
        cos.dataset['cosine'] = String(n.cosine);
        li.append(b, cos, bar);
        return li;
      }),
    );
  }

  function choose(word: string, opts: { keepGuided?: boolean } = {}): void {
    if (!opts.keepGuided && guided.length) {
      guided = [];
      guidedRanks.clear();
      guidedBox.replaceChildren();
    }
    setState({ word });
  }

  // ---- Search (ARIA 1.2 combobox with a list) ---------------------------------------------------
  let matches: number[] = [];
  let active = -1;
  const optionId = (i: number) => `${search.id}-opt-${i}`;

  function showOptions(): void {
    const words = layout?.file.words ?? [];
    matches = searchMatches(search.value, words, layout?.file.counts ?? []);
    active = matches.length ? 0 : -1;
    options.replaceChildren(
      ...matches.map((m, i) => {
        const li = el('li', words[m]);
        li.id = optionId(i);
        li.setAttribute('role', 'option');
        li.addEventListener('mousedown', (e) => e.preventDefault()); // keep focus in the input
        li.addEventListener('click', () => pick(words[m]!));
        return li;
      }),
    );
    const open = matches.length > 0 && search.value.trim() !== '';
    options.hidden = !open;
    search.setAttribute('aria-expanded', String(open));
    markActive();
  }

  function markActive(): void {
    options.querySelectorAll('[role="option"]').forEach((o, i) => o.setAttribute('aria-selected', String(i === active)));
    if (active >= 0 && !options.hidden) search.setAttribute('aria-activedescendant', optionId(active));
    else search.removeAttribute('aria-activedescendant');
  }

  function closeOptions(): void {
    options.hidden = true;
    search.setAttribute('aria-expanded', 'false');
    search.removeAttribute('aria-activedescendant');
  }

  function pick(word: string): void {
    search.value = word;
    closeOptions();
    searchNote.textContent = '';
    choose(word);
  }

  search.addEventListener('input', showOptions);
  search.addEventListener('blur', () => setTimeout(closeOptions, 0));
  search.addEventListener('keydown', (e) => {
    const words = layout?.file.words ?? [];
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (options.hidden) showOptions();
      else if (matches.length) active = (active + (e.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length;
      markActive();
      e.preventDefault();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const typed = search.value.trim().toLowerCase();
      // The highlighted option wins while the list is open; otherwise the word as typed.
      const word = !options.hidden && active >= 0 ? words[matches[active]!]! : typed;
      if (index.ofWord.has(word)) pick(word);
      else searchNote.textContent = typed ? `“${typed}” is not in this model's vocabulary.` : '';
    } else if (e.key === 'Escape') {
      if (!options.hidden) closeOptions();
      else search.value = '';
    }
  });

  // ---- Guided view ------------------------------------------------------------------------------
  guidedButton.addEventListener('click', () => {
    if (!layout) return;
    const { present, missing } = guidedGroup(index.ofWord);
    guidedBox.replaceChildren();
    guidedRanks.clear();
    if (present.length === 0) {
      guidedBox.append(el('p', `${missingSentence(missing)} The guided view needs a model trained on captions that mention them (the Flickr8k model does).`));
      return;
    }
    guided = present;
    const intro = el('p', `On the map: ${listWords(present, 'and')}.${missing.length ? ` ${missingSentence(missing)}` : ''}`);
    const why = el(
      'p',
      'Why it matters: the LSTM reads each word through its row of W_e. Words with nearby rows are handled alike by everything downstream, so what the model learns from a caption about a pony also serves horse and donkey, and the image side is pushed to pick out what horse-looking animals share. In the paper the CNN itself is trained, so that push reaches its features; here the CNN is frozen, and it stops at W_I, the layer that maps the CNN’s numbers into the LSTM.',
      'emb-note',
    );
    guidedBox.append(intro, why, el('p', 'Working out their neighbour ranks…', 'muted'));
    choose(present[0]!, { keepGuided: true });
    view.fitWords(present);
    askRanks();
    update();
  });

  /** Ranks in the space on show, and in the other one when the model ships both (for the comparison). */
  function askRanks(): void {
    if (!vocab || !guided.length) return;
    const words = guided.map((w) => vocab!.words.indexOf(w));
    const spaces: EmbeddingSpace[] = textState === 'available' ? [space, space === 'text' ? 'decoder' : 'text'] : ['decoder'];
    for (const sp of spaces) if (!guidedRanks.has(sp)) send({ type: 'ranks', id: ++requestId, space: sp, words });
  }

  /** A table with a caption, a header row, and one row per entry whose first cell is a header. */
  function headedTable(testid: string, caption: string, columns: readonly string[], rows: readonly { head: string; cells: HTMLElement[] }[]): HTMLTableElement {
    const table = el('table');
    table.dataset['testid'] = testid;
    table.append(el('caption', caption));
    const head = el('tr');
    head.append(...columns.map((c) => (c ? Object.assign(el('th', c), { scope: 'col' }) : el('td'))));
    table.append(el('thead'));
    table.tHead!.append(head);
    const body = el('tbody');
    for (const row of rows) {
      const tr = el('tr');
      tr.append(Object.assign(el('th', row.head), { scope: 'row' }), ...row.cells);
      body.append(tr);
    }
    table.append(body);
    return table;
  }

  /** A rank cell showing `text`, bold (emb-close) when the rank is among the 10 nearest. */
  const rankCell = (rank: number | null, text: string) => el('td', text, rank !== null && rank > 0 && rank <= 10 ? 'emb-close' : undefined);

  function renderRanks(): void {
    const mine = guidedRanks.get(space);
    if (!mine || !guided.length) return;
    const words = guided;
    const table = headedTable(
      'emb-guided-ranks',
      `Neighbour rank of each column’s word among the row word’s nearest neighbours, by cosine in the full space of ${SPACE_NAMES[space]} (1 = nearest, out of ${fmt(mine.of)} words). Bold: among the 10 nearest.`,
      ['', ...words],
      mine.ranks.map((row, a) => ({ head: words[a]!, cells: row.map((rank, b) => rankCell(rank, a === b ? '—' : String(rank))) })),
    );
    table.dataset['space'] = space;
    const parts: HTMLElement[] = [table];
    const decoderRanks = guidedRanks.get('decoder');
    const textRanks = guidedRanks.get('text');
    if (decoderRanks && textRanks && words.length > 1) {
      // The paper's claim, side by side: where the first word's relatives rank in each set of vectors.
      parts.push(
        headedTable(
          'emb-guided-compare',
          `Where ${words[0]}’s relatives rank among its nearest words, in each set of vectors (1 = nearest). Bold: among the 10 nearest.`,
          ['word', 'captioner’s W_e', 'caption text alone'],
          rankComparison(words, decoderRanks.ranks[0]!, textRanks.ranks[0]!).map((r) => ({ head: r.word, cells: [r.decoder, r.text].map((rank) => rankCell(rank, rank === null ? '?' : fmt(rank))) })),
        ),
      );
    }
    guidedBox.querySelectorAll('.muted, table').forEach((n) => n.remove());
    guidedBox.append(...parts);
  }

  // ---- The two spaces ---------------------------------------------------------------------------
  function syncSpaceControls(): void {
    for (const input of spaceInputs) {
      input.checked = input.value === space;
      // The text option needs the model's text-embedding.json; it stays enabled while that is unknown.
      if (input.value === 'text') input.disabled = textState === 'missing';
    }
    if (textState === 'missing') spaceNote.textContent = 'This model ships no text-only vectors (npm run text-embedding), so the map shows its W_e only.';
    else if (space === 'text') {
      spaceNote.textContent = `${describeTextMethod(textMethod)} These vectors come from the captions’ words only; the captioner never reads them.`;
    } else spaceNote.textContent = '';
  }

  /** A link asked for text vectors this model lacks: show W_e (the space note says why). */
  function fallBackToDecoder(): void {
    setState({ embedding: 'decoder' });
  }

  function fetchShipped(which: EmbeddingSpace): Promise<LayoutFile | null> {
    let p = shippedFiles.get(which);
    if (!p) {
      p = fetch(`${modelFolder}${layoutFileName(which)}`).then(async (res) => (res.ok ? parseLayoutFile(await res.json()) : null));
      shippedFiles.set(which, p);
    }
    return p;
  }

  /** Show one space: its shipped map (or a live one), its neighbours and its guided ranks. */
  async function showSpace(next: EmbeddingSpace): Promise<void> {
    if (running) {
      send({ type: 'cancel', id: runId });
      running = false;
      runId = ++requestId; // a late reply from the cancelled run is ignored
      progress.value = 0;
      progressText.textContent = '';
    }
    space = next;
    syncSpaceControls();
    if (space === 'text' && textState === 'missing') {
      fallBackToDecoder();
      return;
    }
    neighbours = [];
    neighboursOf = '';
    shipped = null;
    shippedState = 'pending';
    renderNeighbours();
    say(`Loading the map of ${SPACE_NAMES[space]}…`);
    let file: LayoutFile | null;
    try {
      file = await fetchShipped(next);
    } catch (e) {
      say(`The map of ${SPACE_NAMES[next]} could not be loaded: ${e instanceof Error ? e.message : String(e)}`, true);
      return;
    }
    if (space !== next) return; // switched again while it loaded
    if (file) {
      shipped = { file, x: Float32Array.from(file.x), y: Float32Array.from(file.y), settings: file.settings, source: 'precomputed' };
      nNeighbors.value = String(file.settings.method === 'umap' ? file.settings.nNeighbors : DEFAULT_LAYOUT_SETTINGS.nNeighbors);
      minDist.value = String(file.settings.minDist);
      seed.value = String(file.settings.seed);
      for (const input of [nNeighbors, minDist]) input.dispatchEvent(new Event('input'));
      shippedState = 'found';
      setLayout(shipped);
      say(summary());
      checkVocabulary();
    } else {
      shippedState = 'missing';
      say(`No precomputed map of ${SPACE_NAMES[space]} for the “${modelName}” model; computing one in this tab once the embeddings load…`);
      if (vocab) startLive(true);
    }
    syncButtons();
    renderNeighbours();
    askNeighbours();
    if (guided.length) {
      renderRanks();
      askRanks();
      requestAnimationFrame(() => view.fitWords(guided, false));
    } else {
      const w = $state.get().word;
      if (w) requestAnimationFrame(() => view.flyTo(w, false));
    }
  }

  for (const input of spaceInputs) input.addEventListener('change', () => input.checked && setState({ embedding: input.value === 'text' ? 'text' : 'decoder' }));

  // ---- Stores and the bus -----------------------------------------------------------------------
  const offs = [
    $state.subscribe((s) => {
      if (modelFolder && s.embedding !== space) void showSpace(s.embedding);
      if (s.word !== lastWord) {
        lastWord = s.word;
        searchNote.textContent = '';
        if (s.word && layout && !index.ofWord.has(s.word)) searchNote.textContent = `“${s.word}” is not in this model's vocabulary.`;
        renderNeighbours();
        askNeighbours();
        if (s.word && guided.length === 0) view.flyTo(s.word);
      }
      update();
    }),
    $result.subscribe(update),
    // Words hovered in other views (p_t bars, beam tree, caption) light up here too.
    bus.on('hoverToken', (h) => setHovered(h ? ($result.get()?.words[h.token] ?? null) : null)),
    bus.on('hoverWord', (h) => setHovered(h?.word ?? null)),
  ];

  function setHovered(word: string | null): void {
    if (word === hovered) return;
    hovered = word;
    update();
  }

  // ---- Start ------------------------------------------------------------------------------------
  void (async () => {
    try {
      say('Loading the word map…');
      const current = await (await fetch(withBase(base, 'models/current.json'))).json();
      modelName = String((current as { decoder?: unknown }).decoder ?? '');
      if (!/^[a-z0-9][a-z0-9_-]*$/i.test(modelName)) throw new Error('models/current.json names no decoder folder');
      modelFolder = new URL(withBase(base, `models/${modelName}/`), location.href).href;
      send({ type: 'load', modelUrl: modelFolder });
      const w = $state.get().word;
      lastWord = w;
      await showSpace($state.get().embedding);
      root.dataset['ready'] = 'true';
    } catch (e) {
      say(`The word map could not be loaded: ${e instanceof Error ? e.message : String(e)}`, true);
    }
  })();

  return () => {
    for (const off of offs) off();
    worker.terminate();
  };
}
