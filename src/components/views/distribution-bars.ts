/**
 * The p_t bar chart: the top words of one decoding step's distribution, at the reader's
 * temperature, recomputed from the step's cached logits (never from the model). The chosen word
 * is highlighted; every other word is a button that forces it at this step (what-if).
 *
 * Each bar is a real <button> whose text is the word and its probability, so the chart is its
 * own text alternative and reachable with Tab; Enter or a click forces the word.
 */
import type { TraceStep } from '../../model/trace';
import { END_ID } from '../../model/vocab';
import { temperedTop } from '../../lib/temperature';
import { bus, type BusEvents } from '../../state/bus';
import { VComponent } from './vcomponent';

/** How many words the chart shows unless told otherwise. */
export const DEFAULT_BAR_COUNT = 10;
/** The app state holds at most 20 forced words (src/state/state.ts), and only plain words. */
export const MAX_FORCED_WORDS = 20;
const FORCIBLE_WORD = /^[a-z0-9]{1,30}$/;

export interface Bar {
  id: number;
  word: string;
  /** p at the shown temperature, and at T = 1 (the model's own). */
  p: number;
  p1: number;
  logit: number;
  /** 1-based rank in p_t. */
  rank: number;
  /** The decoder chose this word at this step. */
  chosen: boolean;
  /** …because the reader forced it. */
  forced: boolean;
  /** Clicking forces this word here (false for `<end>`, odd words, or past the 20-word limit). */
  forcible: boolean;
  /** Sampling with top-k: whether the sampler can draw this word at all. */
  inPool: boolean;
}

export interface BarsInput {
  step: TraceStep;
  words: readonly string[];
  temperature: number;
  count?: number;
  /** Sampling's top-k (0 = all words); only meaningful when the stepped decoder samples. */
  poolSize?: number;
}

export interface BarsData {
  t: number;
  temperature: number;
  bars: Bar[];
  /** Entropy of p_t in nats at the shown temperature and at T = 1. */
  entropy: number;
  entropy1: number;
  /** The chosen word ranked below the shown top (sampling or a forced word). */
  chosenBelowTop: boolean;
  /** How many words have non-zero probability. */
  support: number;
}

/** Whether the reader may force `word` as the word at step `t` (the URL can hold it). */
export function canForce(word: string, id: number, t: number): boolean {
  return id !== END_ID && t < MAX_FORCED_WORDS && FORCIBLE_WORD.test(word);
}

/** Wrangle: one trace step → the bars to draw. */
export function barsFromStep({ step, words, temperature, count = DEFAULT_BAR_COUNT, poolSize = 0 }: BarsInput): BarsData {
  const dist = temperedTop(step.logits, temperature, count, [step.chosen]);
  const bars = dist.tokens.map((tok) => {
    const word = words[tok.id] ?? `#${tok.id}`;
    const chosen = tok.id === step.chosen;
    return {
      id: tok.id,
      word,
      p: tok.p,
      p1: tok.p1,
      logit: tok.logit,
      rank: tok.rank,
      chosen,
      forced: chosen && step.forced,
      forcible: !chosen && canForce(word, tok.id, step.t),
      inPool: poolSize <= 0 || tok.rank <= poolSize,
    };
  });
  const chosenBar = bars.find((b) => b.chosen);
  return { t: step.t, temperature, bars, entropy: dist.entropy, entropy1: dist.entropy1, chosenBelowTop: !!chosenBar && chosenBar.rank > count, support: dist.support };
}

/** Probabilities as the chart prints them: 0.41, 0.003, < 0.001. */
export function formatProbability(p: number): string {
  if (p >= 0.995) return p >= 0.9995 ? '1.00' : p.toFixed(3);
  if (p >= 0.01) return p.toFixed(2);
  if (p >= 0.001) return p.toFixed(3);
  return p > 0 ? '< 0.001' : '0';
}

/** What a screen reader hears for one bar. */
export function barLabel(bar: Bar, temperature: number): string {
  const parts = [`${bar.word}: probability ${formatProbability(bar.p)}`];
  if (temperature !== 1) parts.push(`at temperature ${temperature}; ${formatProbability(bar.p1)} at temperature 1`);
  parts.push(`rank ${bar.rank}`);
  if (bar.forced) parts.push('forced by you');
  else if (bar.chosen) parts.push('chosen by the decoder');
  if (!bar.inPool) parts.push('outside the sampling top-k');
  if (bar.forcible) parts.push('press to force this word here');
  return parts.join(', ');
}

export interface DistributionBarsOptions {
  /** The reader forced `token` at the shown step. */
  onForce: (token: number) => void;
}

export class DistributionBars extends VComponent<BarsInput, BarsData> {
  static override readonly events: readonly (keyof BusEvents)[] = ['hoverToken'];
  private list: HTMLOListElement;
  /** The token another view hovers, with its step: it lights up only while that step is shown. */
  private linked: BusEvents['hoverToken'] = null;

  constructor(root: HTMLElement, private readonly options: DistributionBarsOptions) {
    super(root);
    this.list = document.createElement('ol');
    this.list.className = 'pt-bars';
    this.list.dataset.testid = 'bars';
    root.replaceChildren(this.list);
    // Linked hover: another view (the beam tree, the caption) hovers a token; light up its bar.
    bus.on('hoverToken', (d) => {
      this.linked = d;
      this.highlight();
    });
  }

  protected wrangle(input: BarsInput): BarsData {
    return barsFromStep(input);
  }

  protected render(data: BarsData): void {
    const max = Math.max(...data.bars.map((b) => Math.max(b.p, b.p1)), 1e-9);
    const items = data.bars.map((bar) => {
      const li = document.createElement('li');
      if (bar.rank > DEFAULT_BAR_COUNT && bar.chosen) li.className = 'below-top';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'pt-bar';
      button.classList.toggle('chosen', bar.chosen);
      button.classList.toggle('forced', bar.forced);
      button.classList.toggle('out-of-pool', !bar.inPool);
      button.dataset.token = String(bar.id);
      button.dataset.p = String(bar.p);
      button.dataset.p1 = String(bar.p1);
      button.setAttribute('aria-label', barLabel(bar, data.temperature));
      // A chosen word is already there; `<end>` and odd words cannot go in the URL: not pressable.
      if (!bar.forcible) button.setAttribute('aria-disabled', 'true');

      const word = document.createElement('span');
      word.className = 'pt-word';
      word.textContent = bar.rank > DEFAULT_BAR_COUNT ? `${bar.word} (#${bar.rank})` : bar.word;
      const track = document.createElement('span');
      track.className = 'pt-track';
      const fill = document.createElement('span');
      fill.className = 'pt-fill';
      fill.style.width = `${(bar.p / max) * 100}%`;
      track.append(fill);
      if (data.temperature !== 1) {
        // A tick where the bar would end at T = 1, so the reader sees what temperature did.
        const tick = document.createElement('span');
        tick.className = 'pt-tick';
        tick.style.left = `${(bar.p1 / max) * 100}%`;
        track.append(tick);
      }
      const value = document.createElement('span');
      value.className = 'pt-value';
      value.textContent = formatProbability(bar.p);
      const tag = document.createElement('span');
      tag.className = 'pt-tag';
      tag.textContent = bar.forced ? 'forced' : bar.chosen ? 'chosen' : '';
      button.append(word, track, value, tag);

      button.addEventListener('click', () => {
        if (bar.forcible) this.options.onForce(bar.id);
      });
      const enter = () => bus.emit('hoverToken', { step: data.t, token: bar.id });
      const leave = () => bus.emit('hoverToken', null);
      button.addEventListener('mouseenter', enter);
      button.addEventListener('mouseleave', leave);
      button.addEventListener('focus', enter);
      button.addEventListener('blur', leave);
      li.append(button);
      return li;
    });
    this.list.replaceChildren(...items);
    this.highlight();
  }

  /** Mark the bar of the linked token, if it belongs to the step on show. */
  private highlight(): void {
    const token = this.linked && this.prepared && this.linked.step === this.prepared.t ? this.linked.token : null;
    for (const b of this.list.querySelectorAll<HTMLElement>('.pt-bar')) b.classList.toggle('linked', token !== null && b.dataset.token === String(token));
  }

  /** What the chart last drew (null before the first update). */
  current(): BarsData | null {
    return this.prepared;
  }

  /** The bar buttons, for focus management after a re-render. */
  buttons(): HTMLButtonElement[] {
    return [...this.list.querySelectorAll<HTMLButtonElement>('.pt-bar')];
  }
}
