/**
 * One LSTM unit up close: its trajectory over the steps (a small line chart), the words that drive it
 * most (precomputed by `npm run unit-words`), and the cell's equations with this unit's real numbers
 * at the current step, typeset with KaTeX. The top half of the file is pure (tested in Node); the
 * `UnitDetail` class paints it.
 */
import katex from 'katex';
import { GATE_NAMES, type GateName } from '../../model/trace';
import { formatNumber, type GateColumn } from './gate-layout';

// ---------------------------------------------------------------------------------------------
// The unit-words file (written by src/train/unit-words.ts, read by the page).

/** [word, mean activation after that input word, how many times the word was an input]. */
export type UnitWordEntry = [word: string, mean: number, count: number];
export interface UnitWordLists {
  /** Per unit: the input words after which the activation is highest on average, highest first. */
  high: UnitWordEntry[][];
  /** Per unit: the input words after which it is lowest on average, lowest first. */
  low: UnitWordEntry[][];
}
export interface UnitWordsFile {
  format: 'show-and-tell-unit-words';
  version: 1;
  model: string;
  hiddenSize: number;
  split: string;
  captions: number;
  tokens: number;
  /** How the image entered: 'centernet' (real features) or 'zero' (no features were available). */
  feature: string;
  minCount: number;
  top: number;
  note: string;
  h: UnitWordLists;
  c: UnitWordLists;
}

const isEntry = (e: unknown): e is UnitWordEntry => Array.isArray(e) && e.length === 3 && typeof e[0] === 'string' && typeof e[1] === 'number' && typeof e[2] === 'number';
const isLists = (l: unknown, H: number): l is UnitWordLists => {
  const x = l as UnitWordLists | null;
  return !!x && [x.high, x.low].every((per) => Array.isArray(per) && per.length === H && per.every((list) => Array.isArray(list) && list.every(isEntry)));
};

/** Validates a fetched unit-words file against the model in use; returns the reason when it does not fit. */
export function parseUnitWords(json: unknown, hiddenSize: number): UnitWordsFile | string {
  const f = json as Partial<UnitWordsFile> | null;
  if (!f || f.format !== 'show-and-tell-unit-words') return 'the file is not a unit-words file';
  if (f.hiddenSize !== hiddenSize) return `the file describes ${f.hiddenSize} units, this model has ${hiddenSize}`;
  if (!isLists(f.h, hiddenSize) || !isLists(f.c, hiddenSize)) return 'the file is incomplete';
  return f as UnitWordsFile;
}

// ---------------------------------------------------------------------------------------------
// Numbers for one unit.

export interface UnitNumbers {
  unit: number;
  step: number;
  /** Token fed at this step, −1 for the image. */
  input: number;
  i: number;
  f: number;
  o: number;
  g: number;
  /** c and h before this step (0 before the image step: the LSTM starts from a zero state). */
  cPrev: number;
  hPrev: number;
  c: number;
  h: number;
}

export function unitNumbers(columns: readonly GateColumn[], unit: number, col: number): UnitNumbers {
  const cur = columns[col]!;
  const prev = col > 0 ? columns[col - 1]! : null;
  const at = (g: GateName) => cur.gates[g][unit]!;
  return {
    unit,
    step: cur.step,
    input: cur.input,
    i: at('i'),
    f: at('f'),
    o: at('o'),
    g: at('g'),
    cPrev: prev ? prev.gates.c[unit]! : 0,
    hPrev: prev ? prev.gates.h[unit]! : 0,
    c: at('c'),
    h: at('h'),
  };
}

/** Each gate's values for one unit, one per column. */
export function unitTrajectories(columns: readonly GateColumn[], unit: number): Record<GateName, number[]> {
  const out = {} as Record<GateName, number[]>;
  for (const g of GATE_NAMES) out[g] = columns.map((col) => col.gates[g][unit]!);
  return out;
}

/** A vocabulary word as TeX text: letters and digits pass, `<start>`-style brackets become ⟨ ⟩, anything else is dropped. */
export function texWord(word: string): string {
  const m = /^<([a-z]+)>$/.exec(word);
  if (m) return `\\langle\\text{${m[1]}}\\rangle`;
  const clean = word.replace(/[^a-z0-9]/gi, '');
  return `\\text{${clean}}`;
}

/** A number for TeX: fixed digits, ASCII minus, parenthesised when negative and `wrap` is set. */
export function texNumber(v: number, wrap = false, digits = 3): string {
  const s = formatNumber(v, digits).replace('−', '-');
  return wrap && s.startsWith('-') ? `(${s})` : s;
}

/**
 * The LSTM step for one unit with its real numbers substituted:
 *   i = σ(…) = 0.731, f = …, c_t = f·c_{t−1} + i·g = …, h_t = o·tanh(c_t) = …
 * `inputWord` is the word fed at this step (null for the image step).
 */
export function unitEquationsTex(n: UnitNumbers, inputWord: string | null): string {
  const t = String(n.step);
  const tp = String(n.step - 1);
  const u = `^{(${n.unit})}`;
  const v = (name: string, step = t) => `${name}_{${step}}${u}`;
  const x = n.step < 0 ? `W_I\\,f_{\\text{image}}` : `W_e\\,${texWord(inputWord ?? '')}`;
  const z = (gate: string) => `W_{x${gate}}x_{${t}} + W_{h${gate}}h_{${tp}} + b_${gate}`;
  const lines = [
    `x_{${t}} &= ${x}`,
    `h_{${tp}}${u} &= ${texNumber(n.hPrev)}, \\quad c_{${tp}}${u} = ${texNumber(n.cPrev)} &&${n.step < 0 ? '\\text{(the LSTM starts from zero)}' : ''}`,
    `${v('i')} &= \\sigma(${z('i')}) &&= ${texNumber(n.i)}`,
    `${v('f')} &= \\sigma(${z('f')}) &&= ${texNumber(n.f)}`,
    `${v('o')} &= \\sigma(${z('o')}) &&= ${texNumber(n.o)}`,
    `${v('g')} &= \\tanh(${z('g')}) &&= ${texNumber(n.g)}`,
    `${v('c')} &= ${v('f')}\\,${v('c', tp)} + ${v('i')}\\,${v('g')} = ${texNumber(n.f)}\\cdot${texNumber(n.cPrev, true)} + ${texNumber(n.i)}\\cdot${texNumber(n.g, true)} &&= ${texNumber(n.c)}`,
    `${v('h')} &= ${v('o')}\\tanh(${v('c')}) = ${texNumber(n.o)}\\cdot\\tanh(${texNumber(n.c)}) &&= ${texNumber(n.h)}`,
  ];
  return `\\begin{aligned}${lines.join(' \\\\ ')}\\end{aligned}`;
}

// ---------------------------------------------------------------------------------------------
// The panel.

/** Line colours of the trajectory chart; h is drawn in the text colour, thicker. */
export const TRAJECTORY_COLOURS: Record<GateName, string> = { i: '#4e79a7', f: '#f28e2b', o: '#59a14f', g: '#e15759', c: '#b07aa1', h: 'currentColor' };
const GATE_LABELS: Record<GateName, string> = { i: 'input gate i', f: 'forget gate f', o: 'output gate o', g: 'candidate g', c: 'cell c', h: 'hidden state h' };

export interface UnitDetailInput {
  unit: number;
  /** 'selected' (clicked / keyboard) or 'hovered'. */
  how: 'selected' | 'hovered';
  columns: readonly GateColumn[];
  col: number;
  /** Label of each column (“image”, “⟨start⟩”, words…). */
  labels: readonly string[];
  words: readonly string[];
  /** Which map is in view: decides whether the h or the c word lists are shown. */
  gate: GateName | 'all';
  unitWords: UnitWordsFile | null;
  /** Why there are no unit words, when there are none. */
  unitWordsNote: string;
}

const SVG = 'http://www.w3.org/2000/svg';
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

export class UnitDetail {
  private heading = el('p', 'unit-heading');
  private chart = document.createElementNS(SVG, 'svg');
  private legend = el('ul', 'unit-legend');
  private equations = el('div', 'unit-equations');
  private wordsBox = el('div', 'unit-words');
  private table = el('table', 'unit-table');
  private lastTex = '';

  constructor(private readonly root: HTMLElement) {
    root.replaceChildren();
    this.chart.setAttribute('class', 'unit-chart');
    this.chart.setAttribute('role', 'img');
    // Labelled from the start: axe rejects an unnamed role=img (the label is refined when a unit is picked).
    this.chart.setAttribute('aria-label', 'Trajectory of the selected unit over the decoding steps (pick a unit)');
    this.chart.setAttribute('viewBox', '0 0 300 110');
    this.equations.setAttribute('data-testid', 'unit-equations');
    this.wordsBox.setAttribute('data-testid', 'unit-words');
    for (const g of GATE_NAMES) {
      const li = el('li');
      const swatch = el('span', 'swatch');
      swatch.style.background = TRAJECTORY_COLOURS[g] === 'currentColor' ? 'var(--fg)' : TRAJECTORY_COLOURS[g];
      li.append(swatch, document.createTextNode(GATE_LABELS[g]));
      this.legend.append(li);
    }
    const details = el('details');
    details.append(el('summary', undefined, 'This unit’s numbers as a table'), this.table);
    const chartBox = el('div', 'unit-chart-box');
    chartBox.append(this.chart, this.legend);
    root.append(this.heading, chartBox, this.equations, this.wordsBox, details);
    this.update(null);
  }

  update(d: UnitDetailInput | null): void {
    this.root.dataset['unit'] = d ? String(d.unit) : '';
    if (!d) {
      this.heading.textContent = 'Hover over a row, or focus the maps and press ↑ / ↓, to look at one unit: its trajectory, the words that drive it and its equations with live numbers.';
      this.root.classList.add('empty');
      this.chart.replaceChildren();
      this.equations.replaceChildren();
      this.wordsBox.replaceChildren();
      this.table.replaceChildren();
      this.lastTex = '';
      return;
    }
    this.root.classList.remove('empty');
    const n = unitNumbers(d.columns, d.unit, d.col);
    const stepText = n.step < 0 ? 'the image step (t = −1)' : `step ${n.step}, after reading “${d.labels[d.col] ?? ''}”`;
    this.heading.textContent = `Unit ${d.unit} (${d.how}) at ${stepText}`;
    const traj = unitTrajectories(d.columns, d.unit);
    this.drawChart(traj, d.col);
    this.chart.setAttribute('aria-label', `Trajectory of unit ${d.unit} over ${d.columns.length} steps: h goes ${traj.h.map((v) => formatNumber(v, 2)).join(', ')}.`);
    const tex = unitEquationsTex(n, n.input >= 0 ? (d.words[n.input] ?? '') : null);
    if (tex !== this.lastTex) {
      katex.render(tex, this.equations, { displayMode: true, throwOnError: false, output: 'htmlAndMathml' });
      this.lastTex = tex;
    }
    this.equations.dataset['values'] = JSON.stringify({ i: n.i, f: n.f, o: n.o, g: n.g, c: n.c, h: n.h, cPrev: n.cPrev });
    this.renderWords(d);
    this.renderTable(traj, d.labels);
  }

  private drawChart(traj: Record<GateName, number[]>, col: number): void {
    const W = 300;
    const H = 110;
    const pad = { l: 30, r: 16, t: 6, b: 14 };
    const cols = traj.h.length;
    let lo = -1;
    let hi = 1;
    for (const v of traj.c) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    // The image column sits a little apart, as in the heat maps.
    const gap = 0.6;
    const xOf = (c: number) => pad.l + ((c === 0 ? 0 : c + gap) / Math.max(cols - 1 + gap, 1)) * (W - pad.l - pad.r);
    const yOf = (v: number) => pad.t + ((hi - v) / (hi - lo)) * (H - pad.t - pad.b);
    const kids: SVGElement[] = [];
    const line = (x1: number, y1: number, x2: number, y2: number, cls: string) => {
      const l = document.createElementNS(SVG, 'line');
      l.setAttribute('x1', String(x1));
      l.setAttribute('y1', String(y1));
      l.setAttribute('x2', String(x2));
      l.setAttribute('y2', String(y2));
      l.setAttribute('class', cls);
      kids.push(l);
    };
    const text = (x: number, y: number, s: string, anchor = 'end') => {
      const t = document.createElementNS(SVG, 'text');
      t.setAttribute('x', String(x));
      t.setAttribute('y', String(y));
      t.setAttribute('text-anchor', anchor);
      t.setAttribute('class', 'axis-label');
      t.textContent = s;
      kids.push(t);
    };
    for (const v of [lo, 0, hi]) {
      line(pad.l, yOf(v), W - pad.r, yOf(v), v === 0 ? 'zero' : 'grid');
      text(pad.l - 3, yOf(v) + 3, formatNumber(v, 1));
    }
    line(xOf(col), pad.t, xOf(col), H - pad.b, 'current');
    text(xOf(0), H - 2, 'img', 'middle');
    if (cols > 1) text(xOf(cols - 1), H - 2, `t=${cols - 2}`, 'middle');
    for (const g of GATE_NAMES) {
      const p = document.createElementNS(SVG, 'polyline');
      p.setAttribute('points', traj[g].map((v, c) => `${xOf(c).toFixed(1)},${yOf(v).toFixed(1)}`).join(' '));
      p.setAttribute('class', `traj traj-${g}`);
      p.setAttribute('stroke', TRAJECTORY_COLOURS[g]);
      kids.push(p);
    }
    this.chart.replaceChildren(...kids);
  }

  private renderWords(d: UnitDetailInput): void {
    const which = d.gate === 'c' ? 'c' : 'h';
    if (!d.unitWords) {
      this.wordsBox.replaceChildren(el('p', 'muted', `Words that drive this unit: not available (${d.unitWordsNote}).`));
      return;
    }
    const lists = d.unitWords[which];
    const block = (title: string, entries: UnitWordEntry[]) => {
      const box = el('div');
      box.append(el('p', 'unit-words-title', title));
      if (entries.length === 0) box.append(el('p', 'muted', 'no word was seen often enough'));
      else {
        const ol = el('ol');
        for (const [w, mean, count] of entries) {
          const li = el('li');
          li.append(el('span', 'word', w), document.createTextNode(` ${formatNumber(mean, 2)} `), el('span', 'muted', `(${count}×)`));
          ol.append(li);
        }
        box.append(ol);
      }
      return box;
    };
    const f = d.unitWords;
    const source = el('p', 'muted', `Mean ${which} after each input word, teacher-forced over ${f.captions.toLocaleString('en')} ${f.split} captions${f.feature === 'zero' ? ' with a zero image feature' : ''}; words seen at least ${f.minCount} times.`);
    this.wordsBox.replaceChildren(block(`${which} is highest after`, lists.high[d.unit] ?? []), block(`${which} is lowest after`, lists.low[d.unit] ?? []), source);
  }

  private renderTable(traj: Record<GateName, number[]>, labels: readonly string[]): void {
    const head = el('tr');
    head.append(el('th', undefined, 'gate'));
    for (const l of labels) {
      const th = el('th', undefined, l);
      th.scope = 'col';
      head.append(th);
    }
    const rows = GATE_NAMES.map((g) => {
      const tr = el('tr');
      const th = el('th', undefined, g);
      th.scope = 'row';
      tr.append(th, ...traj[g].map((v) => el('td', undefined, formatNumber(v, 2))));
      return tr;
    });
    this.table.replaceChildren(head, ...rows);
  }
}
