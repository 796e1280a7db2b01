/**
 * Three decoders side by side, for the same image: the greedy, sampled and beam captions with
 * their total log-probability and the average per word, so the reader can repeat the paper's
 * comparison (sampling against beam search; wider beams usually find more likely captions).
 * Each card is a button: pressing it makes that decoder the one the stepper walks through.
 */
import type { BeamOptions, DecoderKind, SampleOptions, Trace } from '../../model/trace';
import { $result, $state, setState, type DecodeResult } from '../../state/store';
import { DECODER_LABELS } from './decode-stepper';
import { VComponent } from './vcomponent';

export const DECODER_ORDER: readonly DecoderKind[] = ['greedy', 'sample', 'beam'];

export interface DecoderRow {
  decoder: DecoderKind;
  label: string;
  /** The settings the trace was decoded with, in words. */
  settings: string;
  caption: string;
  /** Sum of log p over the scored tokens (`<end>` included when emitted). */
  logp: number;
  /** logp / scored tokens. */
  perWord: number;
  /** Scored tokens: the words, plus `<end>` when the caption finished. */
  scored: number;
  finished: boolean;
  forced: number;
  /** Highest log p of the three (ties all count). */
  mostLikely: boolean;
  /** The decoder the stepper walks. */
  active: boolean;
}

export function decoderSettings(trace: Trace): string {
  if (trace.decoder === 'sample') {
    const o = trace.options as SampleOptions;
    return `T = ${o.temperature}, ${o.sampleTopK > 0 ? `top-${o.sampleTopK}` : 'all words'}, seed ${o.seed}`;
  }
  if (trace.decoder === 'beam') {
    const o = trace.options as BeamOptions;
    return `k = ${o.beamWidth}, α = ${o.alpha}`;
  }
  return 'the most likely word at every step';
}

/** Wrangle: the three traces → one row each, in a fixed order. */
export function compareDecoders(result: Pick<DecodeResult, 'traces' | 'words'>, active: DecoderKind): DecoderRow[] {
  const rows = DECODER_ORDER.map((decoder) => {
    const trace = result.traces[decoder];
    const scored = Math.max(1, trace.steps.length);
    return {
      decoder,
      label: DECODER_LABELS[decoder],
      settings: decoderSettings(trace),
      caption: trace.tokens.map((id) => result.words[id] ?? `#${id}`).join(' '),
      logp: trace.logp,
      perWord: trace.logp / scored,
      scored,
      finished: trace.finished,
      forced: trace.steps.filter((s) => s.forced).length,
      mostLikely: false,
      active: decoder === active,
    };
  });
  const best = Math.max(...rows.map((r) => r.logp));
  for (const r of rows) r.mostLikely = r.logp >= best - 1e-9;
  return rows;
}

/** "−8.21" with a real minus sign, as print does. */
export function formatLogp(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2).replace('-', '−') : '−∞';
}

export class DecoderComparison extends VComponent<{ result: DecodeResult; decoder: DecoderKind }, DecoderRow[]> {
  private list: HTMLUListElement;

  constructor(root: HTMLElement) {
    super(root);
    this.list = document.createElement('ul');
    this.list.className = 'decoder-cards';
    this.list.dataset.testid = 'decoder-comparison';
    root.replaceChildren(this.list);
  }

  protected wrangle(input: { result: DecodeResult; decoder: DecoderKind }): DecoderRow[] {
    return compareDecoders(input.result, input.decoder);
  }

  protected render(rows: DecoderRow[]): void {
    // Keep keyboard focus on its card when the cards are redrawn.
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && this.list.contains(active) ? active.dataset.decoder : undefined;
    this.list.replaceChildren(
      ...rows.map((row) => {
        const li = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'decoder-card';
        button.dataset.decoder = row.decoder;
        button.dataset.testid = `decoder-card-${row.decoder}`;
        button.setAttribute('aria-pressed', String(row.active));
        const head = document.createElement('span');
        head.className = 'card-head';
        const name = document.createElement('strong');
        name.textContent = row.label;
        const settings = document.createElement('span');
        settings.className = 'muted';
        settings.textContent = ` (${row.settings})`;
        head.append(name, settings);
        const caption = document.createElement('span');
        caption.className = 'card-caption';
        caption.dataset.testid = `caption-${row.decoder}`;
        caption.textContent = row.caption || '(empty caption)';
        const numbers = document.createElement('span');
        numbers.className = 'card-numbers';
        const tokens = `${row.scored} token${row.scored === 1 ? '' : 's'}${row.finished ? ', <end> included' : ', cut at the length limit'}`;
        numbers.textContent = `log p = ${formatLogp(row.logp)} · ${formatLogp(row.perWord)} per token (${tokens})`;
        numbers.dataset.logp = String(row.logp);
        const badges = document.createElement('span');
        badges.className = 'card-badges';
        const notes = [row.active ? 'stepping this one' : 'press to step through it'];
        if (row.mostLikely) notes.unshift('most likely of the three');
        if (row.forced > 0) notes.push(`${row.forced} forced word${row.forced === 1 ? '' : 's'}`);
        badges.textContent = notes.join(' · ');
        button.append(head, caption, numbers, badges);
        button.addEventListener('click', () => setState({ decoder: row.decoder }));
        li.append(button);
        return li;
      }),
    );
    if (focused) this.list.querySelector<HTMLElement>(`[data-decoder="${focused}"]`)?.focus();
  }
}

export function mountDecoderComparison(root: HTMLElement): DecoderComparison {
  const view = new DecoderComparison(root);
  let last: [DecodeResult | null, DecoderKind | null] = [null, null];
  const refresh = () => {
    const result = $result.get();
    const decoder = $state.get().decoder;
    if (!result || (last[0] === result && last[1] === decoder)) return;
    last = [result, decoder];
    view.update({ result, decoder });
  };
  $result.subscribe(refresh);
  $state.subscribe(refresh);
  return view;
}
