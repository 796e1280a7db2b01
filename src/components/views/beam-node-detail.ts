/**
 * What the tree shows about one hypothesis when the reader selects it: its prefix, the model's
 * distribution over the next word at that node (which of those words became candidates, which
 * were kept or cut), and its score worked out with the real numbers:
 *
 *   log p(S) = Σ_t log p(S_t | I, S_<t),    score = log p(S) / L^α.
 *
 * `nodeDetail` and `scoreTex` are pure (unit-tested); `renderNodeDetail` builds the DOM.
 * Words reach the page through textContent; TeX is built from numbers and words escaped for TeX.
 */
import katex from 'katex';
import type { BeamNode, BeamStatus, Trace } from '../../model/trace';
import { END_ID } from '../../model/vocab';
import { displayWord, fmt, pathTo } from './beam-tree-layout';

export interface NextWord {
  token: number;
  word: string;
  p: number;
  /** The candidate this word became in the tree, if the search considered it. */
  child?: { id: number; status: BeamStatus };
}

export interface NodeDetail {
  id: number;
  status: BeamStatus;
  /** Finished by the length limit, not by `<end>`. */
  cut: boolean;
  best: boolean;
  step: number;
  /** The words root → this node (`<start>` left out). */
  prefix: string[];
  /** One term per token: the word and log p(word | I, prefix). */
  terms: { word: string; logp: number }[];
  logp: number;
  score: number;
  /** L: tokens in the hypothesis, `<end>` included. */
  length: number;
  alpha: number;
  /** L^α. */
  denominator: number;
  /** Top of p for the next word at this node; null when the search never expanded it. */
  next: NextWord[] | null;
}

export function nodeDetail(trace: Trace, words: readonly string[], id: number): NodeDetail | null {
  const beam = trace.beam;
  const byId = new Map<number, BeamNode>((beam?.nodes ?? []).map((n) => [n.id, n]));
  const node = byId.get(id);
  if (!beam || !node) return null;
  const path = pathTo(byId, id).map((i) => byId.get(i)!);
  const steps = path.filter((n) => n.parent >= 0);
  const alpha = 'alpha' in trace.options ? trace.options.alpha : 0;
  const length = steps.length;
  const children = new Map<number, BeamNode>();
  for (const n of beam.nodes) if (n.parent === id) children.set(n.token, n);
  const bestPath = new Set(pathTo(byId, beam.best));
  return {
    id,
    status: node.status,
    cut: node.status === 'finished' && node.token !== END_ID,
    best: bestPath.has(id),
    step: node.step,
    prefix: steps.map((n) => displayWord(words, n.token)),
    terms: steps.map((n) => ({ word: displayWord(words, n.token), logp: n.tokenLogp })),
    logp: node.logp,
    score: node.score,
    length,
    alpha,
    denominator: length === 0 || alpha === 0 ? 1 : Math.pow(length, alpha),
    next: node.top
      ? node.top.map(({ id: token, p }) => {
          const c = children.get(token);
          return { token, word: displayWord(words, token), p, ...(c ? { child: { id: c.id, status: c.status } } : {}) };
        })
      : null,
  };
}

/** A vocabulary word inside TeX: letters, digits and a few safe marks only; <end> with angle brackets. */
export function texWord(word: string): string {
  const special = /^<([a-z]+)>$/.exec(word);
  if (special) return `\\langle\\text{${special[1]}}\\rangle`;
  const safe = word.replace(/[^A-Za-z0-9' .-]/g, '');
  return `\\text{${safe || '?'}}`;
}

/** A number for TeX: fixed digits, a TeX minus. */
function texNum(x: number, digits = 2): string {
  return fmt(x, digits).replace('−', '-');
}

/** Terms per line in the worked sum, so a 20-word caption wraps instead of running off the page. */
const TERMS_PER_LINE = 5;

/** The worked score as one aligned TeX block. */
export function scoreTex(d: NodeDetail): string {
  if (d.length === 0) return String.raw`\log p(\langle\text{start}\rangle) = 0 \quad\text{(nothing emitted yet)}`;
  const terms = d.terms.map((t, i) => {
    const v = texNum(t.logp);
    return `\\underbrace{${i === 0 ? v : `(${v})`}}_{${texWord(t.word)}}`;
  });
  const lines: string[] = [];
  for (let i = 0; i < terms.length; i += TERMS_PER_LINE) lines.push(terms.slice(i, i + TERMS_PER_LINE).join(' + '));
  const sum = lines.map((l, i) => (i === 0 ? `&= ${l}` : `&\\quad + ${l}`)).join(' \\\\ ');
  const L = d.length;
  const a = texNum(d.alpha, d.alpha === Math.round(d.alpha * 10) / 10 ? 1 : 2);
  const score =
    d.alpha === 0
      ? String.raw`\text{score} &= \frac{\log p(S)}{L^{\alpha}} = \frac{${texNum(d.logp)}}{${L}^{0}} = ${texNum(d.score, 3)}`
      : String.raw`\text{score} &= \frac{\log p(S)}{L^{\alpha}} = \frac{${texNum(d.logp)}}{${L}^{${a}}} = \frac{${texNum(d.logp)}}{${texNum(d.denominator, 3)}} = ${texNum(d.score, 3)}`;
  return [
    String.raw`\begin{aligned}`,
    String.raw`\log p(S) &= \textstyle\sum_{t=0}^{L-1} \log p(S_t \mid I, S_{<t}) \\`,
    `${sum} \\\\`,
    `&= ${texNum(d.logp, 3)} \\qquad (L = ${L}) \\\\`,
    score,
    String.raw`\end{aligned}`,
  ].join('\n');
}

const NEXT_STATUS: Record<BeamStatus, string> = { root: '', survived: 'kept', pruned: 'cut', finished: 'finished' };

/** The status tag of a next-word bar: what the search did with that word at this node. */
export function nextWordTag(w: NextWord): string {
  return w.child ? NEXT_STATUS[w.child.status] : 'not a candidate';
}

export function statusSentence(d: NodeDetail): string {
  if (d.status === 'root') return 'The root: the LSTM has seen the photo and <start>.';
  const base =
    d.status === 'survived'
      ? `Kept: one of the k best hypotheses at step ${d.step}, so the search expanded it.`
      : d.status === 'finished'
        ? d.cut
          ? `Finished: it reached the length limit at step ${d.step}.`
          : `Finished: it emitted <end> at step ${d.step} and left the beam.`
        : `Pruned at step ${d.step}: other hypotheses scored higher, so it was never expanded.`;
  return d.best ? `${base} It is on the best path.` : base;
}

export interface DetailHandlers {
  /** Hovering a next-word bar (null on leave). */
  onHoverNext(word: NextWord | null): void;
  /** Choosing a next-word bar that became a node in the tree. */
  onSelectChild(id: number): void;
}

/** Fill `root` with the detail of one node (or a hint when none is selected). */
export function renderNodeDetail(root: HTMLElement, d: NodeDetail | null, handlers: DetailHandlers): void {
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  if (!d) {
    root.replaceChildren(el('p', 'muted', 'Select a node (click it, or Tab into the tree and press Enter) to see its prefix, its next-word distribution and its score worked out.'));
    return;
  }
  const heading = el('h3', 'bt-detail-heading', d.status === 'root' ? 'The root' : `“${d.prefix.at(-1)}” at step ${d.step}`);
  const prefix = el('p', 'bt-prefix');
  prefix.append(el('span', 'muted', 'Prefix: '), el('span', 'bt-prefix-words', d.prefix.length ? d.prefix.join(' ') : '(empty)'));
  const status = el('p', 'bt-status', statusSentence(d));

  const maths = el('div', 'bt-maths');
  maths.setAttribute('data-testid', 'beam-score-maths');
  katex.render(scoreTex(d), maths, { displayMode: true, throwOnError: false, output: 'htmlAndMathml' });

  const nextBlock = el('div', 'bt-next');
  if (d.next) {
    nextBlock.append(el('p', 'bt-next-heading', `What the model predicts next at this node (p for step ${d.step + 1}, top ${d.next.length}):`));
    const list = el('ol', 'bt-bars');
    list.setAttribute('data-testid', 'beam-node-bars');
    for (const w of d.next) {
      const li = el('li');
      li.dataset.token = String(w.token);
      const child = w.child;
      const name = child ? el('button', 'bt-bar-word', w.word) : el('span', 'bt-bar-word', w.word);
      if (child && name instanceof HTMLButtonElement) {
        name.type = 'button';
        name.title = `Select the “${w.word}” candidate`;
        name.addEventListener('click', () => handlers.onSelectChild(child.id));
        name.addEventListener('focus', () => handlers.onHoverNext(w));
        name.addEventListener('blur', () => handlers.onHoverNext(null));
      }
      const bar = el('span', 'bt-bar');
      bar.style.width = `${Math.max(0.5, Math.min(1, w.p) * 100).toFixed(1)}%`;
      const track = el('span', 'bt-bar-track');
      track.append(bar);
      li.append(name, track, el('span', 'bt-bar-p', fmt(w.p, 3)), el('span', `bt-bar-tag tag-${child ? child.status : 'none'}`, nextWordTag(w)));
      li.addEventListener('pointerenter', () => handlers.onHoverNext(w));
      li.addEventListener('pointerleave', () => handlers.onHoverNext(null));
      list.append(li);
    }
    nextBlock.append(list);
  } else {
    nextBlock.append(el('p', 'muted', d.status === 'finished' ? 'A finished hypothesis is not expanded: the model never computed p for a next word here.' : 'A pruned hypothesis is not expanded: the model never computed p for a next word here.'));
  }
  root.replaceChildren(heading, prefix, status, maths, nextBlock);
}
