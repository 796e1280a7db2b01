/**
 * The decoding stepper: walk the chosen decoder's caption one word at a time, from the image step
 * (t = −1, the photo enters the LSTM as x₋₁) to `<end>`. At each step it shows the prefix so far,
 * p_t as bars (at the reader's temperature, from cached logits), and the entropy of p_t.
 *
 * The step lives in `$state.step` (so it is in the URL); ← / → step when focus is in the figure or
 * on the page body. Clicking a bar forces that word there (what-if): `$state.force` becomes the
 * words before this step plus the clicked one, and the session re-decodes from that prefix.
 */
import type { DecoderKind, Trace } from '../../model/trace';
import { END_ID, START } from '../../model/vocab';
import { formatTemperature, perplexityOfEntropy } from '../../lib/temperature';
import type { AppState } from '../../state/state';
import { bus, type BusEvents } from '../../state/bus';
import { $state, setState, type DecodeResult } from '../../state/store';
import { onResultOrState } from './on-result-or-state';
import { canForce, DistributionBars, formatProbability, type BarsInput } from './distribution-bars';
import { VComponent } from './vcomponent';

const SUBSCRIPT_DIGITS = '₀₁₂₃₄₅₆₇₈₉';
/** 12 → ₁₂, −1 → ₋₁: plain-text subscripts for x_t and p_t in prose. */
export function subscript(n: number): string {
  return String(n).replace('-', '₋').replace(/\d/g, (d) => SUBSCRIPT_DIGITS[Number(d)]!);
}

export const DECODER_LABELS: Record<DecoderKind, string> = { greedy: 'greedy', sample: 'sampling', beam: 'beam search' };

/** The steps a trace can show: −1 (the image) to its last word. */
export function clampStep(step: number, trace: Trace): number {
  return Math.max(-1, Math.min(trace.steps.length - 1, Math.round(step)));
}

export interface PrefixWord {
  t: number;
  token: number;
  word: string;
  forced: boolean;
  /** The word chosen at the step on show. */
  current: boolean;
}

/** The caption up to and including step `t` (nothing at the image step). */
export function prefixWords(trace: Trace, words: readonly string[], t: number): PrefixWord[] {
  return trace.steps.slice(0, Math.max(0, t + 1)).map((s) => ({ t: s.t, token: s.chosen, word: words[s.chosen] ?? `#${s.chosen}`, forced: s.forced, current: s.t === t }));
}

/**
 * What-if: the forced prefix that makes `token` the word at step `t` — the path's words before `t`,
 * then the clicked word. Null when that cannot be forced (`<end>`, an odd word, past 20 words).
 */
export function whatIfPrefix(trace: Trace, words: readonly string[], t: number, token: number): string[] | null {
  if (t < 0 || t >= trace.steps.length) return null;
  const word = words[token];
  if (word === undefined || !canForce(word, token, t)) return null;
  const before = trace.steps.slice(0, t).map((s) => words[s.chosen]);
  if (before.some((w) => w === undefined || !canForce(w, 0, 0))) return null;
  return [...(before as string[]), word];
}

/** "1.37 nats, as uncertain as a fair choice among 3.9 words" (perplexity e^H makes nats tangible). */
export function describeEntropy(h: number, h1: number, temperature: number): string {
  const base = `Entropy of pₜ: ${h.toFixed(2)} nats — as uncertain as a fair pick among ${perplexityOfEntropy(h).toFixed(1)} words`;
  return temperature === 1 ? `${base}.` : `${base} at T = ${formatTemperature(temperature)} (${h1.toFixed(2)} nats at T = 1).`;
}

/** What the live region says when the reader lands on step `t`. */
export function announceStep(trace: Trace, words: readonly string[], t: number): string {
  if (t < 0) return 'Image step, t = −1: the photo enters the LSTM as x₋₁. No word yet.';
  const s = trace.steps[t];
  if (!s) return '';
  const word = s.chosen === END_ID ? 'end of caption' : (words[s.chosen] ?? `#${s.chosen}`);
  const how = s.forced ? ', forced by you' : '';
  return `Step ${t + 1} of ${trace.steps.length}: ${word}, probability ${formatProbability(Math.exp(s.logp))}${how}.`;
}

export interface StepperInput {
  result: DecodeResult;
  state: Pick<AppState, 'decoder' | 'step' | 'temperature' | 'topk' | 'force'>;
}

export interface StepperData {
  trace: Trace;
  words: readonly string[];
  t: number;
  last: number;
  prefix: PrefixWord[];
  /** The input word fed at this step (`<start>` at t = 0). */
  input: string;
  bars: BarsInput | null;
  /** What the step does, in words. */
  explain: string;
  classes: { name: string; score: number }[];
  announcement: string;
  forcedCount: number;
}

/** Wrangle: the result and the state → everything the stepper draws. */
export function stepperData({ result, state }: StepperInput): StepperData {
  const trace = result.traces[state.decoder];
  const t = clampStep(state.step, trace);
  const step = t >= 0 ? trace.steps[t] : undefined;
  const words = result.words;
  const input = step ? (words[step.input] ?? START) : '';
  const explain = !step
    ? 'The photo enters the LSTM once, as x₋₁ = W_I · f (f is the CNN feature). No word is emitted; the LSTM state now holds the image.'
    : `The LSTM reads “${input}” (x${subscript(t)} = W_e · ${input}) and outputs p${subscript(t)}, a distribution over all ${words.length} words.`;
  return {
    trace,
    words,
    t,
    last: trace.steps.length - 1,
    prefix: prefixWords(trace, words, t),
    input,
    bars: step ? { step, words, temperature: state.temperature, poolSize: state.decoder === 'sample' ? state.topk : 0 } : null,
    explain,
    classes: result.classes,
    announcement: announceStep(trace, words, t),
    forcedCount: trace.steps.filter((s) => s.forced).length,
  };
}

function part<T extends HTMLElement>(root: HTMLElement, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`decode stepper: missing [data-testid="${id}"]`);
  return el;
}

/** Text inputs, sliders and selects own the arrow keys; everything else in the figure lets us step. */
function ownsArrowKeys(el: Element | null): boolean {
  return !!el && (el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement || (el as HTMLElement).isContentEditable);
}

export class DecodeStepper extends VComponent<StepperInput, StepperData> {
  static override readonly events: readonly (keyof BusEvents)[] = ['hoverToken'];
  private readonly bars: DistributionBars;
  private readonly barsHost: HTMLElement;
  private readonly els: Record<'position' | 'prefix' | 'explain' | 'entropy' | 'live' | 'back' | 'forward' | 'reset' | 'barsNote', HTMLElement>;
  private lastAnnounced = '';

  constructor(root: HTMLElement) {
    super(root);
    this.els = {
      position: part(root, 'stepper-position'),
      prefix: part(root, 'stepper-prefix'),
      explain: part(root, 'stepper-explain'),
      entropy: part(root, 'entropy'),
      live: part(root, 'stepper-live'),
      back: part(root, 'step-back'),
      forward: part(root, 'step-forward'),
      reset: part(root, 'force-reset'),
      barsNote: part(root, 'bars-note'),
    };
    this.barsHost = part(root, 'bars-host');
    this.bars = new DistributionBars(this.barsHost, { onForce: (token) => this.force(token) });
    this.els.back.addEventListener('click', () => this.move(-1));
    this.els.forward.addEventListener('click', () => this.move(+1));
    this.els.reset.addEventListener('click', () => setState({ force: [] }));
    // ← / → anywhere on the page body or inside the figure, unless a control owns the arrow keys.
    document.addEventListener('keydown', (e) => {
      if ((e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const target = document.activeElement;
      const onBody = !target || target === document.body || target === document.documentElement;
      if (!(onBody || root.contains(target)) || ownsArrowKeys(target)) return;
      e.preventDefault();
      this.move(e.key === 'ArrowLeft' ? -1 : +1);
    });
  }

  /** Step by `delta` within the current trace. */
  move(delta: number): void {
    const data = this.prepared;
    if (!data) return;
    const next = Math.max(-1, Math.min(data.last, data.t + delta));
    if (next !== data.t) setState({ step: next });
  }

  private force(token: number): void {
    const data = this.prepared;
    if (!data) return;
    const force = whatIfPrefix(data.trace, data.words, data.t, token);
    if (force) setState({ force, step: data.t });
  }

  protected wrangle(input: StepperInput): StepperData {
    return stepperData(input);
  }

  protected render(data: StepperData): void {
    const { els } = this;
    els.position.textContent = data.t < 0 ? 'Image step (t = −1)' : `Token ${data.t + 1} of ${data.last + 1} (t = ${data.t})`;
    (els.back as HTMLButtonElement).disabled = data.t <= -1;
    (els.forward as HTMLButtonElement).disabled = data.t >= data.last;
    (els.reset as HTMLButtonElement).disabled = data.forcedCount === 0;

    const chips = data.prefix.map((w) => {
      const span = document.createElement('span');
      span.className = 'prefix-word';
      span.classList.toggle('current', w.current);
      span.classList.toggle('forced', w.forced);
      span.textContent = w.word;
      if (w.forced) span.title = 'forced by you';
      // Linked hover: the beam tree and the gate views light up this word's step.
      span.addEventListener('mouseenter', () => bus.emit('hoverToken', { step: w.t, token: w.token }));
      span.addEventListener('mouseleave', () => bus.emit('hoverToken', null));
      return span;
    });
    const start = document.createElement('span');
    start.className = 'prefix-word start';
    start.textContent = data.t < 0 ? '(photo)' : START;
    const label = document.createElement('span');
    label.className = 'sr-only';
    label.textContent = 'Caption so far: ';
    els.prefix.replaceChildren(label, start, ...chips);

    els.explain.textContent = data.explain;
    if (data.t < 0 && data.classes.length > 0) {
      els.explain.append(` What the CNN sees: ${data.classes.map((c) => `${c.name} ${c.score.toFixed(2)}`).join(', ')}.`);
    }

    // Keep keyboard focus on the bar it was on when the bars are redrawn (what-if re-decodes).
    const focused = this.bars.buttons().find((b) => b === document.activeElement)?.dataset.token;
    if (data.bars) {
      this.barsHost.hidden = false;
      this.bars.update(data.bars);
      const drawn = this.bars.current()!;
      els.entropy.textContent = describeEntropy(drawn.entropy, drawn.entropy1, drawn.temperature);
      const notes: string[] = [];
      notes.push(drawn.temperature === 1 ? 'pₜ at temperature 1 (the model’s own).' : `pₜ at temperature T = ${formatTemperature(drawn.temperature)}; the thin marks show T = 1.`);
      if (drawn.chosenBelowTop) notes.push('The chosen word ranked below the top 10, so it is added at the bottom.');
      if (drawn.bars.some((b) => !b.inPool)) notes.push('Faded words lie outside the sampling top-k: the sampler cannot draw them.');
      els.barsNote.textContent = notes.join(' ');
    } else {
      this.barsHost.hidden = true;
      els.entropy.textContent = '';
      els.barsNote.textContent = 'No distribution yet: step forward to see p₀, the first word’s probabilities.';
    }
    if (focused !== undefined) (this.bars.buttons().find((b) => b.dataset.token === focused) ?? this.bars.buttons()[0])?.focus();

    // Announce only what changed for the reader (a new step or a new caption), not every redraw.
    const said = `${data.announcement}|${data.trace.tokens.join(' ')}`;
    if (said !== this.lastAnnounced) {
      this.lastAnnounced = said;
      els.live.textContent = data.announcement;
    }
  }
}

declare global {
  interface Window {
    /** Read by the e2e tests: how many decode results the page has published, and bar redraws. */
    __decodeStepper?: { results: number; renders: number };
  }
}

/** Wire the stepper to the shared stores. */
export function mountDecodeStepper(root: HTMLElement): DecodeStepper {
  const view = new DecodeStepper(root);
  const debug = (window.__decodeStepper = { results: 0, renders: 0 });
  onResultOrState(
    (s) => [s.decoder, s.step, s.temperature, s.topk, s.force],
    (result, state, newResult) => {
      if (newResult) debug.results += 1;
      view.update({ result, state });
      debug.renders += 1;
    },
  );
  return view;
}
