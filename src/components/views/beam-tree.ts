/**
 * The beam-search tree (issue #5): watch "the k best sentences up to time t" become candidates of
 * length t + 1, and only the best k of them survive.
 *
 * `BeamTreeView` is a VComponent: `update({trace, step, ...})` → `wrangle` (positions come from
 * beam-tree-layout.ts, memoised per trace) → `render` (a d3 join keyed by each hypothesis's token
 * path: a step adds or removes one column, wiped in by a curtain; a change of k morphs the old
 * tree into the new one). `mountBeamTree` wires it to the stores, the bus, the toolbar and the
 * keyboard; `OutlineList` keeps the nested-list text alternative in step with the drawing.
 *
 * Everything the reader sees as text goes through textContent or d3's .text(): words are data.
 */
import { linkHorizontal, select, type Selection } from 'd3';
import type { Trace } from '../../model/trace';
import { bus, type BusEvents } from '../../state/bus';
import { $result, $state, setState } from '../../state/store';
import { nodeDetail, renderNodeDetail } from './beam-node-detail';
import {
  ancestorAtStep,
  describeNode,
  describeStub,
  fmt,
  layoutBeamTree,
  navigate,
  nodeByKey,
  nodeKey,
  outline,
  shortLabel,
  SIZES,
  visibleStep,
  type BeamTreeLayout,
  type LaidLink,
  type LaidNode,
  type LaidStub,
  type NavKey,
  type OutlineItem,
} from './beam-tree-layout';
import { VComponent } from './vcomponent';

export interface BeamTreeInput {
  trace: Trace;
  words: readonly string[];
  /** `$state.step`: the tree shows the columns up to this step. */
  step: number;
  /** `$state.node`: the selected hypothesis, -1 for none. */
  node: number;
  showAllPruned: boolean;
}

export interface BeamTreePrepared {
  layout: BeamTreeLayout;
  shown: number;
  nodes: LaidNode[];
  links: LaidLink[];
  stubs: LaidStub[];
  selected: number;
  outline: OutlineItem;
}

const RADIUS = 5;
const DURATION = 320;
const link = linkHorizontal<{ x1: number; y1: number; x2: number; y2: number }, [number, number]>()
  .source((l) => [l.x1 + RADIUS, l.y1])
  .target((l) => [l.x2 - RADIUS, l.y2]);
/** A node's mark at (x, y): a circle, or a square for a finished hypothesis. */
function markPath(finished: boolean, x: number, y: number): string {
  const r = RADIUS;
  return finished ? `M${x - r},${y - r}h${2 * r}v${2 * r}h${-2 * r}Z` : `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
}

/** Writes an attribute only when it changes (an unchanged write can still cost a style pass). */
function setAttr(el: Element, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** A link folded into its parent: where entering links start and leaving ones end. */
const folded = (l: LaidLink) => link({ x1: l.x1, y1: l.y1, x2: l.x1 + 2 * RADIUS, y2: l.y1 });

export function prefersReducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/**
 * Elements of hypotheses that are no longer shown: marked `exiting` (tests and hover skip them),
 * out of the tab order, and removed: at once when the reader steps back, faded out when a new
 * search replaces them. If they are shown again before they are gone, the join picks them up and
 * the settling transition, of the same name, cancels the removal.
 */
function leave<E extends SVGElement, D>(exit: Selection<E, D, SVGGElement, unknown>, animate: boolean): void {
  exit.classed('exiting', true).attr('tabindex', null).attr('aria-hidden', 'true');
  if (animate) exit.transition('bt').duration(DURATION / 2).style('opacity', '0').remove();
  else exit.interrupt('bt').remove();
}

/** Elements that were leaving but are shown again (the reader stepped back in quickly). */
function revive<E extends SVGElement, D>(update: Selection<E, D, SVGGElement, unknown>): Selection<E, D, SVGGElement, unknown> {
  update.filter('.exiting').classed('exiting', false).attr('aria-hidden', null);
  return update;
}

export class BeamTreeView extends VComponent<BeamTreeInput, BeamTreePrepared> {
  static override readonly events: readonly (keyof BusEvents)[] = ['hoverNode', 'hoverToken'];

  private readonly svg: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly layers: Record<'columns' | 'links' | 'stubs' | 'nodes', Selection<SVGGElement, unknown, null, undefined>>;
  private memo: { trace: Trace; showAll: boolean; layout: BeamTreeLayout } | null = null;
  /** The layout drawn last: the same one again means the reader only changed the step. */
  private lastLayout: BeamTreeLayout | null = null;
  /** An HTML box over the svg that wipes a new step in (see `reveal`). */
  private readonly curtain: HTMLElement;
  private wipe: Animation | null = null;
  private lastShown = -2;
  /** The node that holds the tree's one tab stop (roving tabindex). */
  active = -1;
  /** The datum each element's attributes were last written from. */
  private readonly applied = new WeakMap<Element, object>();
  /** Where each element was last placed (its animation starts from there). */
  private readonly positions = new WeakMap<Element, { x: number; y: number }>();
  private readonly nodeEls = new Map<number, SVGGElement>();
  /** Links by the id of the node they lead to. */
  private readonly linkEls = new Map<number, SVGPathElement>();
  /** Nodes on the hovered hypothesis's path. */
  private pathOn = new Set<number>();
  private tokenHover: BusEvents['hoverToken'] = null;

  constructor(root: HTMLElement) {
    super(root);
    const svgEl = root.querySelector<SVGSVGElement>('svg[data-role="tree"]');
    if (!svgEl) throw new Error('beam tree: missing svg[data-role="tree"]');
    this.svg = select(svgEl);
    const layer = (name: string) => this.svg.append('g').attr('class', `bt-${name}`);
    this.layers = { columns: layer('columns'), links: layer('links'), stubs: layer('stubs'), nodes: layer('nodes') };
    const curtain = root.querySelector<HTMLElement>('[data-role="curtain"]');
    if (!curtain) throw new Error('beam tree: missing [data-role="curtain"]');
    this.curtain = curtain;
  }

  get layout(): BeamTreeLayout | null {
    return this.prepared?.layout ?? null;
  }

  /** What the last render drew. */
  get current(): BeamTreePrepared | null {
    return this.prepared;
  }

  protected wrangle(input: BeamTreeInput): BeamTreePrepared {
    if (!this.memo || this.memo.trace !== input.trace || this.memo.showAll !== input.showAllPruned) {
      this.memo = { trace: input.trace, showAll: input.showAllPruned, layout: layoutBeamTree(input.trace, input.words, { showAllPruned: input.showAllPruned }) };
    }
    const layout = this.memo.layout;
    const shown = visibleStep(layout, input.step);
    return {
      layout,
      shown,
      nodes: layout.nodes.filter((n) => n.step <= shown),
      links: layout.links.filter((l) => l.step <= shown),
      stubs: layout.stubs.filter((s) => s.step <= shown),
      selected: input.node,
      outline: outline(layout, shown),
    };
  }

  protected render(d: BeamTreePrepared): void {
    const { layout, shown } = d;
    const animate = !prefersReducedMotion();
    const parentPos = (id: number) => layout.byId.get(id) ?? { x: SIZES.left, y: SIZES.top };
    this.svg.attr('width', layout.width).attr('height', layout.height).attr('viewBox', `0 0 ${layout.width} ${layout.height}`);

    // Column headers and the band behind the current step.
    const cols = layout.columns.filter((c) => c.step <= shown);
    this.layers.columns
      .selectAll<SVGGElement, (typeof cols)[number]>('g.bt-col')
      .data(cols, (c) => String(c.step))
      .join((enter) => {
        const g = enter.append('g').attr('class', 'bt-col');
        g.append('rect').attr('class', 'bt-band').attr('y', 0).attr('width', SIZES.column - 8).attr('rx', 6);
        g.append('text').attr('class', 'bt-col-label').attr('y', 16);
        return g;
      })
      .classed('current', (c) => c.step === shown)
      .call((g) =>
        g
          .select('rect')
          .attr('x', (c) => c.x - 12)
          .attr('height', layout.height),
      )
      .call((g) =>
        g
          .select('text')
          .attr('x', (c) => c.x - 6)
          .text((c) => (c.step < 0 ? 'start' : `t = ${c.step}`)),
      );

    // Links, stubs and nodes, keyed by token path. What keeps a 1,000-node tree smooth:
    // - attributes are written only when an element's datum changes (a step reuses the data);
    // - elements are drawn in absolute coordinates, and nothing is left with a transform or an
    //   opacity: those on each of hundreds of groups give the compositor hundreds of paint chunks
    //   to sort at every frame (profiled in headless Chromium);
    // - growing by a step animates one thing: an HTML curtain in the page's colour, over the new
    //   columns, that shrinks away with a transform the compositor runs alone: no layout or paint
    //   of the tree per frame (animating each new element, or a clip-path, repainted the tree at
    //   every frame). Only a new search (k, α, photo) animates elements one by one: they move
    //   from where they were, or grow out of their parent.
    const grow = this.lastLayout === layout;
    const morph = animate && !grow && this.lastLayout !== null;
    this.lastLayout = layout;
    this.reveal(layout, grow && animate ? this.lastShown : shown, shown, animate);
    this.lastShown = shown;
    const applied = this.applied;
    const positions = this.positions;
    const fresh = new Set<Element>();
    const markFresh = <E extends Element, D>(sel: Selection<E, D, SVGGElement, unknown>) =>
      sel.each(function () {
        fresh.add(this);
      });
    const offsets = new Map<Element, [number, number]>();
    /** Record where an element is now drawn; in a morph, the offset from where it was animates. */
    const place = (el: Element, x: number, y: number, parent: { x: number; y: number }) => {
      const prev = positions.get(el) ?? (morph ? parent : { x, y });
      positions.set(el, { x, y });
      if (morph && (prev.x !== x || prev.y !== y)) offsets.set(el, [prev.x - x, prev.y - y]);
    };
    const settle = <E extends SVGElement, D>(sel: Selection<E, D, SVGGElement, unknown>) => {
      const due = sel.filter(function () {
        return offsets.has(this) || this.hasAttribute('transform') || this.style.opacity !== '';
      });
      due.each(function () {
        const o = offsets.get(this);
        if (o) this.setAttribute('transform', `translate(${o[0]},${o[1]})`);
        if (morph && fresh.has(this)) this.style.opacity = '0';
      });
      if (animate)
        due
          .transition('bt')
          .duration(DURATION)
          .attr('transform', 'translate(0,0)')
          .style('opacity', '1')
          .on('end', function () {
            this.removeAttribute('transform');
            this.style.removeProperty('opacity');
          });
      else due.interrupt('bt').attr('transform', null).style('opacity', null);
    };

    // Links; in a morph, new ones grow out of their parent.
    const links = this.layers.links
      .selectAll<SVGPathElement, LaidLink>('path')
      .data(d.links, (l) => l.key)
      .join(
        (enter) => markFresh(enter.append('path')),
        (update) => revive(update),
        (exit) => leave(exit, morph),
      )
      .each(function (l) {
        if (applied.get(this) === l) return;
        applied.set(this, l);
        this.dataset.source = String(l.source);
        this.dataset.target = String(l.target);
        this.setAttribute('class', `bt-link status-${l.status}${l.best ? ' best' : ''}`);
        if (!morph) this.setAttribute('d', link(l) ?? '');
        else if (fresh.has(this)) {
          this.setAttribute('d', folded(l) ?? '');
          this.style.opacity = '0';
        }
      });
    const linkDue = links.filter(function (l) {
      return this.style.opacity !== '' || this.getAttribute('d') !== link(l);
    });
    if (animate)
      linkDue
        .transition('bt')
        .duration(DURATION)
        .attr('d', (l) => link(l) ?? '')
        .style('opacity', '1')
        .on('end', function () {
          this.style.removeProperty('opacity');
        });
    else linkDue.interrupt('bt').attr('d', (l) => link(l) ?? '').style('opacity', null);

    // Stubs: "+N more", for pruned candidates the collapsed drawing leaves out.
    const stubs = this.layers.stubs
      .selectAll<SVGTextElement, LaidStub>('text')
      .data(d.stubs, (s) => s.key)
      .join(
        (enter) => markFresh(enter.append('text').attr('class', 'bt-stub').attr('dy', '0.32em')),
        (update) => revive(update),
        (exit) => leave(exit, morph),
      )
      .each(function (s) {
        if (applied.get(this) === s) return;
        applied.set(this, s);
        this.dataset.parent = String(s.parent);
        this.dataset.count = String(s.count);
        this.setAttribute('x', String(s.x - RADIUS));
        this.setAttribute('y', String(s.y));
        this.textContent = `+${s.count} more`;
        select(this).selectAll('title').data([s]).join('title').text(describeStub);
        place(this, s.x, s.y, parentPos(s.parent));
      });
    settle(stubs);

    // Nodes: a mark (circle; square when finished), the word, and "log p / score".
    const nodes = this.layers.nodes
      .selectAll<SVGGElement, LaidNode>('g.bt-node')
      .data(d.nodes, (n) => n.key)
      .join(
        (enter) => {
          const g = enter.append('g').attr('role', 'button');
          g.append('rect').attr('class', 'bt-focus').attr('height', 30).attr('rx', 5);
          g.append('path').attr('class', 'bt-mark');
          g.append('text').attr('class', 'bt-word');
          g.append('text').attr('class', 'bt-nums');
          return markFresh(g);
        },
        (update) => revive(update),
        (exit) => leave(exit, morph),
      )
      .each(function (n) {
        if (applied.get(this) === n) return;
        applied.set(this, n);
        const data: Record<string, string | number | boolean> = { nodeId: n.id, parent: n.parent, step: n.step, token: n.token, logp: n.logp, score: n.score, status: n.status, best: n.best };
        for (const [k, v] of Object.entries(data)) this.dataset[k] = String(v);
        this.setAttribute('aria-label', describeNode(n));
        const word = n.status === 'root' ? '<start>' : shortLabel(n.word) + (n.cut ? ' ✂' : '');
        const [focus, mark, wordText, nums] = [...this.children] as SVGElement[];
        focus!.setAttribute('x', String(n.x - RADIUS - 5));
        focus!.setAttribute('y', String(n.y - 15));
        focus!.setAttribute('width', String(2 * RADIUS + 14 + 7 * Math.max(word.length, 12)));
        mark!.setAttribute('d', markPath(n.status === 'finished', n.x, n.y));
        wordText!.setAttribute('x', String(n.x + RADIUS + 4));
        wordText!.setAttribute('y', String(n.y - 2));
        wordText!.textContent = word;
        nums!.setAttribute('x', String(n.x + RADIUS + 4));
        nums!.setAttribute('y', String(n.y + 11));
        nums!.textContent = n.status === 'root' ? '' : `${fmt(n.logp)} / ${fmt(n.score)}`;
        place(this, n.x, n.y, parentPos(n.parent));
      });
    settle(nodes);

    // Roving tab stop: the active node, else the selected one, else the best node in view.
    const visible = new Set(d.nodes.map((n) => n.id));
    if (!visible.has(this.active)) {
      const fallback = visible.has(d.selected) ? d.selected : layout.bestPath.filter((id) => visible.has(id)).at(-1)!;
      this.active = this.active >= 0 && layout.byId.has(this.active) ? ancestorAtStep(layout, this.active, shown) : fallback;
    }
    this.nodeEls.clear();
    this.linkEls.clear();
    nodes.each((n, i, els) => this.nodeEls.set(n.id, els[i]!));
    links.each((l, i, els) => {
      if (l.target >= 0) this.linkEls.set(l.target, els[i]!); // stub links (target −1) never highlight
    });
    for (const [id, el] of this.nodeEls) {
      setAttr(el, 'tabindex', id === this.active ? '0' : '-1');
      setAttr(el, 'aria-pressed', String(id === d.selected));
    }
    this.restyle([...this.nodeEls.keys()], [...this.linkEls.keys()]);
  }

  /**
   * Wipe in the columns after `from` up to `to`: the curtain covers them, then shrinks towards
   * its right edge (not at all for readers who prefer less motion, or when nothing was added).
   */
  private reveal(layout: BeamTreeLayout, from: number, to: number, animate: boolean): void {
    this.wipe?.cancel();
    this.wipe = null;
    const style = this.curtain.style;
    const first = layout.columns.find((c) => c.step === from + 1);
    const last = layout.columns.find((c) => c.step === to);
    if (!animate || !first || !last || to <= from || typeof this.curtain.animate !== 'function') {
      style.width = '0px';
      return;
    }
    const left = first.x - 14;
    style.left = `${left}px`;
    style.width = `${last.x + SIZES.column - 6 - left}px`;
    style.height = `${layout.height}px`;
    const wipe = this.curtain.animate([{ transform: 'scaleX(1)' }, { transform: 'scaleX(0)' }], { duration: DURATION, easing: 'cubic-bezier(0.33, 1, 0.68, 1)' });
    wipe.onfinish = () => {
      style.width = '0px';
      if (this.wipe === wipe) this.wipe = null;
    };
    this.wipe = wipe;
  }

  /** The SVG element of a node, if it is drawn. */
  nodeElement(id: number): SVGGElement | null {
    return this.nodeEls.get(id) ?? null;
  }

  /** Rewrite the class of these nodes and links (by node id) from their state; unchanged ones are not touched. */
  private restyle(nodeIds: Iterable<number>, linkTargets: Iterable<number>): void {
    const layout = this.layout;
    if (!layout) return;
    const selected = this.prepared?.selected ?? -1;
    const tok = this.tokenHover;
    for (const id of nodeIds) {
      const n = layout.byId.get(id);
      const el = this.nodeEls.get(id);
      if (!n || !el) continue;
      const match = tok !== null && n.step === tok.step && n.token === tok.token;
      setAttr(el, 'class', `bt-node status-${n.status}${n.best ? ' best' : ''}${n.cut ? ' cut' : ''}${id === selected ? ' selected' : ''}${this.pathOn.has(id) ? ' on-path' : ''}${match ? ' token-match' : ''}`);
    }
    for (const target of linkTargets) {
      const el = this.linkEls.get(target);
      const l = el ? (select(el).datum() as LaidLink) : undefined;
      if (!el || !l) continue;
      setAttr(el, 'class', `bt-link status-${l.status}${l.best ? ' best' : ''}${l.target >= 0 && this.pathOn.has(l.target) ? ' on-path' : ''}`);
    }
  }

  /** Linked hover: the hovered hypothesis and its prefix (links and nodes root → it). */
  highlightPath(id: number | null): void {
    const layout = this.layout;
    const before = this.pathOn;
    const on = new Set<number>();
    if (layout && id !== null) for (let n = layout.byId.get(id); n; n = layout.byId.get(n.parent)) on.add(n.id);
    this.pathOn = on;
    const touched = [...before, ...on];
    this.restyle(touched, touched);
  }

  /** Linked hover from the p_t bars: nodes that emitted `token` at `step`. */
  highlightToken(detail: BusEvents['hoverToken']): void {
    const layout = this.layout;
    const matching = (t: BusEvents['hoverToken']) => (layout && t ? layout.nodes.filter((n) => n.step === t.step && n.token === t.token).map((n) => n.id) : []);
    const touched = [...matching(this.tokenHover), ...matching(detail)];
    this.tokenHover = detail;
    this.restyle(touched, []);
  }
}

/**
 * The text alternative: the visible tree as nested lists (word, log p, score, status). Updated in
 * place: stepping adds or removes one column's items instead of rebuilding ~1,600 of them (the
 * rebuild's layout was the largest cost of a step, profiled). A new search rebuilds it.
 */
export class OutlineList {
  private readonly items = new Map<string, HTMLLIElement>();
  private layout: BeamTreeLayout | null = null;

  constructor(private readonly container: HTMLElement) {}

  update(layout: BeamTreeLayout, root: OutlineItem): void {
    if (layout !== this.layout) {
      this.layout = layout;
      this.items.clear();
      this.container.replaceChildren(document.createElement('ul'));
    }
    const seen = new Set<string>();
    const ensure = (it: OutlineItem, parentList: HTMLUListElement) => {
      seen.add(it.key);
      let li = this.items.get(it.key);
      if (!li) {
        li = document.createElement('li');
        li.textContent = it.text;
        li.dataset.status = it.status;
        if (it.id >= 0) li.dataset.nodeId = String(it.id);
        this.items.set(it.key, li);
        // A parent's children become visible together, so appending keeps their order.
        parentList.append(li);
      }
      if (it.children.length === 0) return;
      let ul = li.querySelector<HTMLUListElement>(':scope > ul');
      if (!ul) li.append((ul = document.createElement('ul')));
      for (const c of it.children) ensure(c, ul);
    };
    ensure(root, this.container.firstElementChild as HTMLUListElement);
    for (const [key, li] of this.items) {
      if (seen.has(key)) continue;
      const parentList = li.parentElement;
      li.remove();
      this.items.delete(key);
      if (parentList && parentList.childElementCount === 0 && parentList !== this.container.firstElementChild) parentList.remove();
    }
  }
}

/** One sentence about the step in view, under the toolbar. */
export function summarise(layout: BeamTreeLayout, shown: number, words: readonly string[], trace: Trace): string {
  const best = trace.tokens.map((t) => words[t] ?? `#${t}`).join(' ');
  const tail = ` Best caption of the whole search: “${best}” (log p ${fmt(trace.logp)}).`;
  if (shown < 0) return `Step −1: the photo has entered the LSTM; the search starts from <start>.${tail}`;
  const c = layout.columns.find((col) => col.step === shown)!;
  const hidden = c.hidden > 0 ? ` (${c.hidden} of them hidden: “Show all pruned” draws them)` : '';
  return `Step ${shown} of ${layout.maxStep}: ${c.candidates} candidates; ${c.kept} kept, ${c.finished} finished, ${c.pruned} pruned${hidden}.${tail}`;
}

const NAV_KEYS: readonly string[] = ['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown', 'Home', 'End'];

/** Read-only numbers for tests: what the store holds, independent of what the SVG draws. */
export interface BeamTreeDebug {
  snapshot(): { nodes: { id: number; parent: number; token: number; step: number; logp: number; score: number; status: string }[]; best: number; greedy: number[]; k: number; alpha: number } | null;
  /** Milliseconds of the tree's own script per redraw and per hover (the latest 500 of each). */
  timings(): { update: number[]; hover: number[] };
}

/** The latest durations of one kind of work, for the frame-time bench (src/bench/beam-tree-frames.ts). */
class Timings {
  readonly update: number[] = [];
  readonly hover: number[] = [];
  time<T>(kind: 'update' | 'hover', fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      const list = this[kind];
      list.push(performance.now() - t0);
      if (list.length > 500) list.shift();
    }
  }
}

declare global {
  interface Window {
    __beamTree?: BeamTreeDebug;
  }
}

function part<T extends Element>(root: HTMLElement, role: string): T {
  const el = root.querySelector<T>(`[data-role="${role}"]`);
  if (!el) throw new Error(`beam tree: missing [data-role="${role}"]`);
  return el;
}

/** Wire one BeamTree figure to the stores, the bus, its toolbar and the keyboard. */
export function mountBeamTree(root: HTMLElement): BeamTreeView {
  const view = new BeamTreeView(root);
  const scroll = part<HTMLElement>(root, 'scroll');
  const svg = part<SVGSVGElement>(root, 'tree');
  const summary = part<HTMLElement>(root, 'summary');
  const list = part<HTMLElement>(root, 'list');
  const detail = part<HTMLElement>(root, 'detail');
  // The k and α sliders are optional (BeamTree.astro's `controls`): a page may have its own.
  const kInput = root.querySelector<HTMLInputElement>('[data-role="k"]');
  const kOut = root.querySelector<HTMLOutputElement>('[data-role="k-out"]');
  const alphaInput = root.querySelector<HTMLInputElement>('[data-role="alpha"]');
  const alphaOut = root.querySelector<HTMLOutputElement>('[data-role="alpha-out"]');
  const showAllButton = part<HTMLButtonElement>(root, 'show-all');
  const listButton = part<HTMLButtonElement>(root, 'as-list');
  const empty = part<HTMLElement>(root, 'empty');

  let showAllPruned = false;
  let trace: Trace | null = null;
  let words: readonly string[] = [];
  let last: BeamTreeInput | null = null;
  let lastShown = -2;
  let selectedKey: string | null = null;
  let detailFor: { trace: Trace; node: number } | null = null;

  const timings = new Timings();
  const refresh = () => timings.time('update', redraw);
  const redraw = () => {
    const result = $result.get();
    const s = $state.get();
    if (kInput && kOut && alphaInput && alphaOut) {
      kInput.value = String(s.k);
      kOut.value = String(s.k);
      alphaInput.value = String(s.alpha);
      alphaOut.value = s.alpha.toFixed(1);
    }
    const next = result?.traces.beam ?? null;
    if (!result || !next?.beam) {
      empty.hidden = false;
      return;
    }
    empty.hidden = true;
    if (next !== trace) {
      // A new search (another photo, k, α or forced words): keep the same hypothesis selected if
      // it still exists, found by its token path, since node ids mean nothing across searches.
      const wanted = selectedKey ?? (s.node >= 0 ? nodeKey(next.beam.nodes, s.node) : null);
      trace = next;
      words = result.words;
      if (wanted !== null) {
        const id = nodeByKey(next.beam.nodes, wanted);
        if (id !== s.node) {
          setState({ node: id });
          return; // the store calls refresh again
        }
      }
    }
    const drawn = { trace, words, step: s.step, node: s.node, showAllPruned };
    if (last && Object.entries(drawn).every(([k, v]) => last![k as keyof typeof drawn] === v)) return;
    last = drawn;
    const hadFocus = root.contains(document.activeElement) && document.activeElement instanceof SVGGElement;
    view.update(drawn);
    const prepared = view.current!;
    selectedKey = s.node >= 0 ? nodeKey(trace.beam!.nodes, s.node) : null;
    summary.textContent = summarise(prepared.layout, prepared.shown, words, trace);
    scheduleOutline(prepared.layout, prepared.outline);
    showAllButton.setAttribute('aria-pressed', String(showAllPruned));
    showAllButton.textContent = showAllPruned ? 'Collapse pruned' : `Show all pruned${prepared.layout.hidden > 0 ? ` (${prepared.layout.hidden} hidden)` : ''}`;
    showAllButton.disabled = !showAllPruned && prepared.layout.hidden === 0;
    // The detail (and its KaTeX) only changes with the selection, not with every step.
    if (detailFor?.trace !== trace || detailFor.node !== s.node) {
      detailFor = { trace, node: s.node };
      const shownDetail = nodeDetail(trace, words, s.node);
      renderNodeDetail(detail, shownDetail, {
        // The bars are p for the word after this node: a step further on.
        onHoverNext: (w) => bus.emit('hoverToken', w && shownDetail ? { step: shownDetail.step + 1, token: w.token } : null),
        onSelectChild: (id) => select(id, true),
      });
    }
    // Keep the newest column (or the focused node) in view, without scrolling the page itself.
    if (hadFocus) view.nodeElement(view.active)?.focus({ preventScroll: true });
    if (prepared.shown !== lastShown) {
      lastShown = prepared.shown;
      const target = prepared.layout.byId.get(hadFocus ? view.active : (prepared.layout.bestPath.filter((id) => prepared.layout.byId.get(id)!.step <= prepared.shown).at(-1) ?? -1));
      if (target) keepInView(scroll, target.x, target.y);
    }
  };

  // The nested list is rebuilt after the tree has painted (and only once for a burst of steps):
  // hundreds of list items need not hold up the frame that shows the new column.
  const outlineList = new OutlineList(list);
  let pendingOutline: { layout: BeamTreeLayout; root: OutlineItem } | null = null;
  let outlineTimer: ReturnType<typeof setTimeout> | null = null;
  const flushOutline = () => {
    if (outlineTimer !== null) clearTimeout(outlineTimer);
    outlineTimer = null;
    if (pendingOutline) outlineList.update(pendingOutline.layout, pendingOutline.root);
    pendingOutline = null;
  };
  function scheduleOutline(layout: BeamTreeLayout, root: OutlineItem) {
    pendingOutline = { layout, root };
    if (outlineTimer === null) outlineTimer = setTimeout(flushOutline, 120);
  }

  const select = (id: number, focus = false) => {
    view.active = id;
    setState({ node: id });
    if (focus) view.nodeElement(id)?.focus({ preventScroll: true });
  };

  // Stores → view.
  $result.subscribe(refresh);
  $state.subscribe(refresh);

  // Toolbar → store.
  kInput?.addEventListener('input', () => setState({ k: Number(kInput.value) }));
  alphaInput?.addEventListener('input', () => setState({ alpha: Number(alphaInput.value) }));
  const maxStep = () => view.layout?.maxStep ?? 0;
  part<HTMLButtonElement>(root, 'step-back').addEventListener('click', () => setState({ step: Math.max(-1, Math.min($state.get().step, maxStep()) - 1) }));
  part<HTMLButtonElement>(root, 'step-forward').addEventListener('click', () => setState({ step: Math.min(maxStep(), $state.get().step + 1) }));
  part<HTMLButtonElement>(root, 'step-all').addEventListener('click', () => setState({ step: maxStep() }));
  showAllButton.addEventListener('click', () => {
    showAllPruned = !showAllPruned;
    refresh();
  });
  listButton.addEventListener('click', () => {
    const open = listButton.getAttribute('aria-expanded') !== 'true';
    listButton.setAttribute('aria-expanded', String(open));
    listButton.textContent = open ? 'Hide the list' : 'Show as a list';
    flushOutline();
    list.classList.toggle('sr-only', !open);
  });

  // Pointer and keyboard on nodes (delegated: nodes come and go with the steps).
  const nodeOf = (target: EventTarget | null) => (target instanceof Element ? target.closest<SVGGElement>('g.bt-node:not(.exiting)') : null);
  const idOf = (g: SVGGElement) => Number(g.dataset.nodeId);
  let hovered: number | null = null;
  // Hover: the tree's own highlighting is timed (for the bench); the other views' work on the
  // bus events is theirs. The tree skips its own hoverToken echo, having already drawn it.
  let echo = false;
  const hover = (g: SVGGElement | null) => {
    const layout = view.layout;
    const n = g && layout ? layout.byId.get(idOf(g)) : undefined;
    if ((n?.id ?? null) === hovered) return; // pointerover repeats for each part of one node
    hovered = n?.id ?? null;
    const token = n && n.step >= 0 ? { step: n.step, token: n.token } : null;
    timings.time('hover', () => {
      view.highlightPath(n ? n.id : null);
      view.highlightToken(token);
    });
    echo = true;
    try {
      bus.emit('hoverNode', n ? { node: n.id } : null);
      bus.emit('hoverToken', token);
    } finally {
      echo = false;
    }
  };
  svg.addEventListener('pointerover', (e) => hover(nodeOf(e.target)));
  svg.addEventListener('pointerleave', () => hover(null));
  svg.addEventListener('focusin', (e) => hover(nodeOf(e.target)));
  svg.addEventListener('focusout', () => hover(null));
  svg.addEventListener('click', (e) => {
    const g = nodeOf(e.target);
    if (g) select(idOf(g), true);
  });
  svg.addEventListener('keydown', (e) => {
    const g = nodeOf(e.target);
    const layout = view.layout;
    if (!g || !layout || e.altKey || e.ctrlKey || e.metaKey) return;
    const id = idOf(g);
    const s = $state.get();
    let handled = true;
    if (e.key === 'Enter' || e.key === ' ') select(id, true);
    else if (e.key === 'Escape') setState({ node: -1 });
    else if (e.shiftKey && (e.key === 'ArrowRight' || e.key === 'ArrowLeft')) {
      // Shift+←/→: the tree's own step control (the same `$state.step` the stepper moves).
      const shown = visibleStep(layout, s.step);
      const step = Math.max(-1, Math.min(layout.maxStep, shown + (e.key === 'ArrowRight' ? 1 : -1)));
      view.active = ancestorAtStep(layout, id, step);
      setState({ step });
      view.nodeElement(view.active)?.focus({ preventScroll: true });
    } else if (NAV_KEYS.includes(e.key)) {
      const to = navigate(layout, s.step, id, e.key as NavKey);
      view.active = to.focus;
      if (to.step !== visibleStep(layout, s.step)) setState({ step: to.step });
      const el = view.nodeElement(to.focus);
      el?.focus({ preventScroll: true });
      const n = layout.byId.get(to.focus);
      if (n) keepInView(scroll, n.x, n.y);
    } else handled = false;
    if (handled) {
      // The stepper listens for ← / → on the page; inside the tree the keys are the tree's.
      e.preventDefault();
      e.stopPropagation();
    }
  });
  // Tab stop bookkeeping: the node that gets focus becomes the active one.
  svg.addEventListener('focusin', (e) => {
    const g = nodeOf(e.target);
    if (!g) return;
    view.active = idOf(g);
    for (const other of svg.querySelectorAll<SVGGElement>('g.bt-node[tabindex="0"]')) if (other !== g) other.setAttribute('tabindex', '-1');
    g.setAttribute('tabindex', '0');
  });

  // Linked hover from other views.
  bus.on('hoverToken', (detail) => {
    if (!echo) view.highlightToken(detail);
  });
  bus.on('hoverNode', (detail) => {
    if (!echo) view.highlightPath(detail ? detail.node : null);
  });

  window.__beamTree = {
    timings: () => ({ update: [...timings.update], hover: [...timings.hover] }),
    snapshot() {
      const r = $result.get();
      const b = r?.traces.beam;
      if (!r || !b?.beam) return null;
      const opts = b.options as { beamWidth?: number; alpha?: number };
      return {
        nodes: b.beam.nodes.map(({ id, parent, token, step, logp, score, status }) => ({ id, parent, token, step, logp, score, status })),
        best: b.beam.best,
        greedy: r.traces.greedy.steps.map((st) => st.chosen),
        k: opts.beamWidth ?? 0,
        alpha: opts.alpha ?? 0,
      };
    },
  };
  return view;
}

/**
 * Scroll the tree's own box (never the page) so a point is inside it, with some margin. Deferred to
 * the next frame: reading scroll metrics right after the DOM changed forces a layout of the whole
 * page in the middle of the update (profiled: most of a step's time on the explore page).
 */
function keepInView(scroll: HTMLElement, x: number, y: number): void {
  requestAnimationFrame(() => {
    const margin = { x: SIZES.column * 1.5, y: SIZES.row * 2 };
    let left = scroll.scrollLeft;
    let top = scroll.scrollTop;
    if (x + margin.x > left + scroll.clientWidth) left = x + margin.x - scroll.clientWidth;
    if (x - margin.x / 3 < left) left = Math.max(0, x - margin.x / 3);
    if (y + margin.y > top + scroll.clientHeight) top = y + margin.y - scroll.clientHeight;
    if (y - margin.y < top) top = Math.max(0, y - margin.y);
    if (left !== scroll.scrollLeft || top !== scroll.scrollTop) scroll.scrollTo({ left, top, behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
  });
}
