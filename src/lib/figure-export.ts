/**
 * Export any figure as SVG or PNG, with its state stamped under it (what readers of explorable
 * explanations ask for most after their own input). Three kinds of figure:
 *
 * - an `<svg>` (the beam tree): cloned with its computed styles inlined, since the page's CSS does
 *   not travel with the file;
 * - a `<canvas>` (gate heat maps, embedding map): its pixels, wrapped in an SVG `<image>` for SVG;
 * - HTML (the p_t bars): drawn afresh as an SVG bar chart from the data (`barsSvg`).
 *
 * PNG is the SVG rasterised through a canvas at 2×. Text is set with textContent/createElementNS,
 * never parsed, so words and file names cannot inject markup.
 *
 * The pure parts (`stampLines`, `exportFileName`, `barChartLayout`) are unit-tested in Node.
 */
import type { AppState } from '../state/state';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Style properties that decide how SVG looks; everything else would only bloat the file. */
export const INLINED_PROPERTIES = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'stroke-linejoin',
  'stroke-linecap',
  'opacity',
  'paint-order',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'text-decoration',
  'visibility',
  'display',
] as const;

export type ExportFormat = 'svg' | 'png';

const DECODER_NAMES: Record<AppState['decoder'], string> = { greedy: 'greedy', sample: 'sampling', beam: 'beam search' };

/** The caption lines stamped under an exported figure: what it shows, and the link that reproduces it. */
export function stampLines(title: string, state: AppState, link: string, caption?: string): string[] {
  const decoder =
    state.decoder === 'beam'
      ? `beam search, k = ${state.k}, α = ${state.alpha}`
      : state.decoder === 'sample'
        ? `sampling, T = ${state.temperature}, top-k = ${state.topk || 'all'}, seed ${state.seed}`
        : DECODER_NAMES.greedy;
  const parts = [`photo: ${state.photo}`, decoder, state.step < 0 ? 'image step (t = −1)' : `step t = ${state.step}`];
  if (state.force.length) parts.push(`forced: ${state.force.join(' ')}`);
  if (state.unit >= 0) parts.push(`unit ${state.unit}`);
  if (state.word) parts.push(`word: ${state.word}`);
  const lines = [`${title} — Show and Tell, live`, parts.join(' · ')];
  if (caption) lines.push(`caption: ${caption}`);
  lines.push(link);
  return lines;
}

/** "beam-tree_dog_beam-k3_t2.svg": names that sort, say what they hold, and are safe on every OS. */
export function exportFileName(name: string, state: AppState, format: ExportFormat): string {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'figure';
  const decoder = state.decoder === 'beam' ? `beam-k${state.k}` : state.decoder === 'sample' ? `sample-s${state.seed}` : 'greedy';
  return `${clean(name)}_${clean(state.photo)}_${decoder}_t${state.step < 0 ? 'img' : state.step}.${format}`;
}

export interface BarDatum {
  word: string;
  p: number;
  /** Drawn in the accent colour (the chosen word, or a guess). */
  marked?: boolean;
}

export interface BarChartLayout {
  width: number;
  height: number;
  labelWidth: number;
  bars: { word: string; label: string; y: number; width: number; marked: boolean }[];
}

/** Where each bar of a p_t chart goes: one row per word, length proportional to p (the largest fills the track). */
export function barChartLayout(data: readonly BarDatum[], width = 520, rowHeight = 22): BarChartLayout {
  const labelWidth = 130;
  const track = width - labelWidth - 70;
  const max = Math.max(1e-12, ...data.map((d) => d.p));
  return {
    width,
    height: data.length * rowHeight + 8,
    labelWidth,
    bars: data.map((d, i) => ({
      word: d.word,
      label: d.p >= 0.001 ? `${(d.p * 100).toFixed(1)} %` : d.p.toExponential(1),
      y: 4 + i * rowHeight,
      width: Math.max(1, (d.p / max) * track),
      marked: !!d.marked,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// DOM (browser only)

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** Copy the computed look of every element of `source` onto the matching element of `clone`. */
export function inlineComputedStyles(source: Element, clone: Element): void {
  const cs = getComputedStyle(source);
  const style = INLINED_PROPERTIES.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';');
  clone.setAttribute('style', style);
  const a = source.children;
  const b = clone.children;
  for (let i = 0; i < a.length && i < b.length; i++) inlineComputedStyles(a[i]!, b[i]!);
}

function colours(root: Element): { bg: string; fg: string; accent: string; bar: string; font: string } {
  const cs = getComputedStyle(root);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  return { bg: v('--bg', '#ffffff'), fg: v('--fg', '#1d1d1f'), accent: v('--accent', '#0b5fad'), bar: v('--bar', '#7aa6d6'), font: v('--font', 'sans-serif') };
}

/** Wraps `body` (already laid out in a width × height box) in a standalone SVG with the stamp lines below it. */
function framed(body: SVGElement, width: number, height: number, lines: readonly string[], root: Element): SVGSVGElement {
  const c = colours(root);
  const lineHeight = 16;
  const total = height + 12 + lines.length * lineHeight + 8;
  const svg = el('svg', { xmlns: SVG_NS, width, height: total, viewBox: `0 0 ${width} ${total}` });
  svg.append(el('rect', { width, height: total, fill: c.bg }));
  svg.append(body);
  lines.forEach((line, i) => {
    const t = el('text', { x: 8, y: height + 12 + (i + 1) * lineHeight - 4, fill: c.fg, 'font-family': c.font, 'font-size': i === 0 ? 13 : 11, 'font-weight': i === 0 ? 600 : 400 });
    t.textContent = line;
    svg.append(t);
  });
  return svg;
}

/** An `<svg>` on the page → a standalone SVG element, styles inlined, stamped. */
export function svgFigure(source: SVGSVGElement, lines: readonly string[]): SVGSVGElement {
  const box = source.getBBox();
  const width = Math.ceil(Math.max(Number(source.getAttribute('width')) || 0, box.x + box.width, 200));
  const height = Math.ceil(Math.max(Number(source.getAttribute('height')) || 0, box.y + box.height, 50));
  const clone = source.cloneNode(true) as SVGSVGElement;
  inlineComputedStyles(source, clone);
  const g = el('g');
  g.append(...Array.from(clone.childNodes));
  g.setAttribute('style', clone.getAttribute('style') ?? '');
  return framed(g, width, height, lines, source);
}

/** A `<canvas>` → its pixels inside a standalone, stamped SVG. */
export function canvasFigure(source: HTMLCanvasElement, lines: readonly string[]): SVGSVGElement {
  const r = source.getBoundingClientRect();
  const width = Math.round(r.width || source.width);
  const height = Math.round(r.height || source.height);
  const image = el('image', { x: 0, y: 0, width, height, href: source.toDataURL('image/png') });
  return framed(image, width, height, lines, source);
}

/** p_t bars (an HTML figure) drawn as SVG from the numbers. */
export function barsFigure(data: readonly BarDatum[], lines: readonly string[], root: Element): SVGSVGElement {
  const c = colours(root);
  const layout = barChartLayout(data);
  const g = el('g', { 'font-family': c.font, 'font-size': 13 });
  for (const b of layout.bars) {
    const word = el('text', { x: layout.labelWidth - 8, y: b.y + 15, 'text-anchor': 'end', fill: c.fg, 'font-weight': b.marked ? 700 : 400 });
    word.textContent = b.word;
    const bar = el('rect', { x: layout.labelWidth, y: b.y + 3, width: b.width, height: 14, rx: 2, fill: b.marked ? c.accent : c.bar });
    const value = el('text', { x: layout.labelWidth + b.width + 6, y: b.y + 15, fill: c.fg });
    value.textContent = b.label;
    g.append(word, bar, value);
  }
  return framed(g, layout.width, layout.height, lines, root);
}

/** The caption figure: the photo (its pixels, same-origin or the reader's blob), then the encoder's classes as bars. */
export function photoFigure(img: HTMLImageElement, classes: readonly BarDatum[], lines: readonly string[], root: Element): SVGSVGElement {
  const c = colours(root);
  const width = 520;
  const ratio = img.naturalWidth && img.naturalHeight ? img.naturalHeight / img.naturalWidth : 0.75;
  const photoHeight = Math.round(width * ratio);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = photoHeight;
  canvas.getContext('2d')!.drawImage(img, 0, 0, width, photoHeight);
  const g = el('g', { 'font-family': c.font, 'font-size': 13 });
  g.append(el('image', { x: 0, y: 0, width, height: photoHeight, href: canvas.toDataURL('image/jpeg', 0.85) }));
  const layout = barChartLayout(classes, width);
  for (const b of layout.bars) {
    const y = photoHeight + 8 + b.y;
    const word = el('text', { x: layout.labelWidth - 8, y: y + 15, 'text-anchor': 'end', fill: c.fg });
    word.textContent = b.word;
    const value = el('text', { x: layout.labelWidth + b.width + 6, y: y + 15, fill: c.fg });
    value.textContent = b.label;
    g.append(word, el('rect', { x: layout.labelWidth, y: y + 3, width: b.width, height: 14, rx: 2, fill: c.bar }), value);
  }
  return framed(g, width, photoHeight + 8 + layout.height, lines, root);
}

export function svgText(svg: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}`;
}

/** Rasterise a standalone SVG at `scale`× through a canvas. */
export async function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const width = Number(svg.getAttribute('width'));
  const height = Number(svg.getAttribute('height'));
  const url = URL.createObjectURL(new Blob([svgText(svg)], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not make a PNG'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The figure's drawing: its largest visible svg or canvas (legends' tiny swatches are skipped). */
export function findDrawing(root: Element): SVGSVGElement | HTMLCanvasElement | null {
  let best: SVGSVGElement | HTMLCanvasElement | null = null;
  let bestArea = 2500;
  for (const node of root.querySelectorAll<SVGSVGElement | HTMLCanvasElement>('svg, canvas')) {
    if (node instanceof SVGSVGElement && node.ownerSVGElement) continue; // nested svg
    const r = node.getBoundingClientRect();
    const area = r.width * r.height;
    if (area > bestArea && getComputedStyle(node).visibility !== 'hidden') {
      best = node;
      bestArea = area;
    }
  }
  return best;
}

/** The standalone SVG of a figure element, or null when it has no drawing yet. */
export function figureSvg(root: Element, lines: readonly string[], bars?: () => BarDatum[] | null): SVGSVGElement | null {
  const drawing = findDrawing(root);
  if (drawing instanceof SVGSVGElement) return svgFigure(drawing, lines);
  if (drawing instanceof HTMLCanvasElement) return canvasFigure(drawing, lines);
  const data = bars?.();
  return data && data.length ? barsFigure(data, lines, root) : null;
}

/** Offer `blob` as a download named `name`. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
