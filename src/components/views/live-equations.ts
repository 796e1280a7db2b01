/**
 * The maths with live numbers (KaTeX), for the caption being stepped:
 *   - the chain rule p(S|I) = Π_t p(S_t | I, S_<t), with each factor's word and probability filled
 *     in and the current step's factor highlighted, and its log p;
 *   - softmax with temperature, p_i = exp(z_i/T) / Σ_j exp(z_j/T), with the current step's largest
 *     logits substituted.
 * TeX is built only from numbers and vocabulary words escaped by `texWord`; KaTeX renders it into
 * elements (never innerHTML of reader-controlled strings). KaTeX also writes MathML, which screen
 * readers read.
 */
import katex from 'katex';
import type { DecoderKind, Trace, TraceStep } from '../../model/trace';
import { END_ID, START } from '../../model/vocab';
import { expAsPowerOfTen, formatTemperature, softmaxBreakdown } from '../../lib/temperature';
import type { DecodeResult } from '../../state/store';
import { onResultOrState } from './on-result-or-state';
import { VComponent } from './vcomponent';

const TEX_SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  $: '\\$',
  '&': '\\&',
  '#': '\\#',
  _: '\\_',
  '%': '\\%',
  '^': '\\textasciicircum{}',
  '~': '\\textasciitilde{}',
};

/** A vocabulary word as TeX: `<end>` → ⟨end⟩, anything TeX would read as a command escaped. */
export function texWord(word: string): string {
  const special = /^<([a-z]+)>$/.exec(word);
  if (special) return `\\langle\\text{${special[1]}}\\rangle`;
  // Keep plain ASCII words as they are; drop control characters; escape TeX's specials.
  const escaped = [...word]
    .filter((ch) => ch >= ' ' && ch !== '\u007f')
    .map((ch) => TEX_SPECIAL[ch] ?? (ch === '<' ? '\\textless{}' : ch === '>' ? '\\textgreater{}' : ch))
    .join('');
  return `\\text{${escaped}}`;
}

/** A number in TeX, fixed decimals. */
export function texNumber(x: number, digits = 2): string {
  if (x === -Infinity) return '-\\infty';
  if (x === Infinity) return '\\infty';
  return x.toFixed(digits);
}

/** e^x as a readable number: 61.6, 0.0031, or 3.2 × 10^{12} when it is very large or small. */
export function texExp(x: number): string {
  if (x === -Infinity) return '0';
  const { mantissa, exponent } = expAsPowerOfTen(x);
  if (exponent >= -3 && exponent < 5) return Number((mantissa * Math.pow(10, exponent)).toPrecision(3)).toString();
  return `${mantissa.toPrecision(2)} \\times 10^{${exponent}}`;
}

/** A probability (possibly tiny, given as its log) in TeX. */
export function texProbFromLog(logp: number): string {
  return logp > Math.log(0.001) ? texNumber(Math.exp(logp), Math.exp(logp) >= 0.01 ? 2 : 3) : texExp(logp);
}

/** The context a factor conditions on: ⟨start⟩, or the last two words after "…". */
function contextTex(trace: Trace, words: readonly string[], t: number): string {
  const before = [START, ...trace.steps.slice(0, t).map((s) => words[s.chosen] ?? '?')];
  const shown = before.slice(-2).map(texWord).join(', ');
  return before.length > 2 ? `\\ldots, ${shown}` : shown;
}

export interface Factor {
  t: number;
  tex: string;
  p: number;
  forced: boolean;
  current: boolean;
}

/** One factor per emitted token: p(S_t | I, S_<t) = 0.62. */
export function chainRuleFactors(trace: Trace, words: readonly string[], current: number): Factor[] {
  return trace.steps.map((s) => ({
    t: s.t,
    tex: `p(${texWord(words[s.chosen] ?? '?')} \\mid I, ${contextTex(trace, words, s.t)}) = ${texProbFromLog(s.logp)}`,
    p: Math.exp(s.logp),
    forced: s.forced,
    current: s.t === current,
  }));
}

/** p(S|I) as the product of the factors, and log p(S|I) as their sum. */
export function chainRuleTotalsTex(trace: Trace): { product: string; logSum: string } {
  const ps = trace.steps.map((s) => texProbFromLog(s.logp));
  const lps = trace.steps.map((s, k) => (k === 0 ? texNumber(s.logp) : s.logp < 0 ? `- ${texNumber(-s.logp)}` : `+ ${texNumber(s.logp)}`));
  return {
    product: `p(S \\mid I) = ${ps.join(' \\times ') || '1'} = ${texProbFromLog(trace.logp)}`,
    logSum: `\\log p(S \\mid I) = ${lps.join(' ') || '0'} = ${texNumber(trace.logp)}`,
  };
}

export const CHAIN_RULE_TEX = 'p(S \\mid I) = \\prod_{t=0}^{N} p(S_t \\mid I, S_0, \\ldots, S_{t-1})';
export const SOFTMAX_TEX = 'p_i = \\frac{\\exp(z_i / T)}{\\sum_j \\exp(z_j / T)}';

/** Softmax at temperature T for the word chosen at `step`, with its largest logits substituted. */
export function softmaxTex(step: TraceStep, words: readonly string[], temperature: number, terms = 3): string {
  const b = softmaxBreakdown(step.logits, temperature, terms);
  const T = String(temperature);
  const term = (z: number) => `e^{${texNumber(z)} / ${T}}`;
  const chosenZ = step.logits[step.chosen]!;
  const denominator = [...b.terms.map((x) => term(x.logit)), ...(b.restCount > 0 ? [`\\underbrace{\\cdots}_{${b.restCount}\\text{ more}}`] : [])].join(' + ');
  const p = Math.exp(chosenZ / temperature - b.logDenominator);
  const pTex = p >= 0.001 ? texNumber(p, p >= 0.01 ? 2 : 3) : texExp(chosenZ / temperature - b.logDenominator);
  const name = step.chosen === END_ID ? '\\langle\\text{end}\\rangle' : texWord(words[step.chosen] ?? '?');
  return `p_{${name}} = \\frac{${term(chosenZ)}}{${denominator}} = \\frac{${texExp(chosenZ / temperature)}}{${texExp(b.logDenominator)}} = ${pTex}`;
}

export interface EquationsInput {
  result: DecodeResult;
  decoder: DecoderKind;
  step: number;
  temperature: number;
}

export interface EquationsData {
  factors: Factor[];
  totals: { product: string; logSum: string };
  /** Null at the image step (no distribution yet). */
  softmax: string | null;
  temperature: number;
  /** p of the chosen word at T = 1, for the note beside a tempered softmax. */
  chosen: { word: string; p1: number } | null;
}

/** Wrangle: the stepped trace → the TeX strings to typeset. */
export function equationsData({ result, decoder, step, temperature }: EquationsInput): EquationsData {
  const trace = result.traces[decoder];
  const t = Math.max(-1, Math.min(trace.steps.length - 1, step));
  const s = t >= 0 ? trace.steps[t] : undefined;
  return {
    factors: chainRuleFactors(trace, result.words, t),
    totals: chainRuleTotalsTex(trace),
    softmax: s ? softmaxTex(s, result.words, temperature) : null,
    temperature,
    chosen: s ? { word: result.words[s.chosen] ?? '?', p1: Math.exp(s.logp) } : null,
  };
}

function typeset(el: HTMLElement, tex: string, displayMode = false): void {
  katex.render(tex, el, { throwOnError: false, displayMode, output: 'htmlAndMathml' });
}

function part(root: HTMLElement, id: string): HTMLElement {
  const el = root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`live equations: missing [data-testid="${id}"]`);
  return el;
}

export class LiveEquations extends VComponent<EquationsInput, EquationsData> {
  private readonly els: Record<'factors' | 'product' | 'logSum' | 'softmax' | 'softmaxNote', HTMLElement>;

  constructor(root: HTMLElement) {
    super(root);
    typeset(part(root, 'chain-rule-general'), CHAIN_RULE_TEX, true);
    typeset(part(root, 'softmax-general'), SOFTMAX_TEX, true);
    this.els = {
      factors: part(root, 'chain-rule-factors'),
      product: part(root, 'chain-rule-product'),
      logSum: part(root, 'chain-rule-log'),
      softmax: part(root, 'softmax-live'),
      softmaxNote: part(root, 'softmax-note'),
    };
  }

  protected wrangle(input: EquationsInput): EquationsData {
    return equationsData(input);
  }

  protected render(data: EquationsData): void {
    this.els.factors.replaceChildren(
      ...data.factors.map((f) => {
        const li = document.createElement('li');
        li.classList.toggle('current', f.current);
        li.classList.toggle('forced', f.forced);
        if (f.current) li.setAttribute('aria-current', 'step');
        typeset(li, f.tex);
        return li;
      }),
    );
    typeset(this.els.product, data.totals.product);
    typeset(this.els.logSum, data.totals.logSum);
    if (data.softmax) {
      typeset(this.els.softmax, data.softmax, true);
      const c = data.chosen!;
      this.els.softmaxNote.textContent =
        data.temperature === 1
          ? `The word chosen at this step, with its three largest rivals' logits z written out; T = 1 is the model's own distribution.`
          : `At T = ${formatTemperature(data.temperature)}; at T = 1 the model gives “${c.word}” ${c.p1.toFixed(3)} (that is the factor in the product above).`;
    } else {
      this.els.softmax.replaceChildren();
      this.els.softmaxNote.textContent = 'At the image step there is no softmax yet: step forward to see p₀.';
    }
  }
}

export function mountLiveEquations(root: HTMLElement): LiveEquations {
  const view = new LiveEquations(root);
  onResultOrState(
    (s) => [s.decoder, s.step, s.temperature],
    (result, s) => view.update({ result, decoder: s.decoder, step: s.step, temperature: s.temperature }),
  );
  return view;
}
