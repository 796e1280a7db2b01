/**
 * Temperature, as the views show it: p_T = softmax(z / T) recomputed from a step's cached logits z,
 * so moving the temperature slider redraws p_t without running the model (Transformer Explainer
 * does the same). Pure maths, no DOM; the stepper, the bars and the equations all read it.
 *
 * - T = 1 is the model's own distribution; T < 1 sharpens it (T → 0 is greedy), T > 1 flattens it.
 * - Dividing by T > 0 keeps the order of the logits, so the top-k words are the same at every T;
 *   only their probabilities move.
 */
import { entropy, logSoftmax, topIndices } from '../model/search';

/** The range the app state accepts for the temperature (src/state/state.ts). */
export const T_MIN = 0.05;
export const T_MAX = 5;

/** log p_T for every token (masked tokens, logit −∞, stay at −∞). */
export function temperedLogProbs(logits: ArrayLike<number>, temperature: number): Float64Array {
  if (!(temperature > 0)) throw new Error(`temperature must be > 0, got ${temperature}`);
  return logSoftmax(logits, temperature);
}

export interface TemperedToken {
  id: number;
  /** The logit z_id (the same at every temperature). */
  logit: number;
  /** p at the chosen temperature. */
  p: number;
  /** p at T = 1: the model's own distribution. */
  p1: number;
  /** 1-based rank among all unmasked tokens. */
  rank: number;
}

export interface TemperedDistribution {
  temperature: number;
  /** The `count` most likely tokens, best first, then any `include`d token that ranked lower. */
  tokens: TemperedToken[];
  /** Entropy in nats at T and at T = 1. */
  entropy: number;
  entropy1: number;
  /** How many tokens have non-zero probability (not masked). */
  support: number;
}

/**
 * The top `count` of p_T, each with its T = 1 probability beside it. Tokens in `include` (the word
 * the decoder chose, which sampling or the reader may have picked from far down the list) are
 * appended with their rank when they are not among the top.
 */
export function temperedTop(logits: ArrayLike<number>, temperature: number, count: number, include: readonly number[] = []): TemperedDistribution {
  const logp = temperedLogProbs(logits, temperature);
  const logp1 = temperature === 1 ? logp : logSoftmax(logits, 1);
  const order = topIndices(logits, logits.length);
  const rankOf = new Map(order.map((id, r) => [id, r + 1]));
  const ids = order.slice(0, Math.max(0, count));
  for (const id of include) if (!ids.includes(id) && rankOf.has(id)) ids.push(id);
  const tokens = ids.map((id) => ({ id, logit: logits[id]!, p: Math.exp(logp[id]!), p1: Math.exp(logp1[id]!), rank: rankOf.get(id)! }));
  return { temperature, tokens, entropy: entropy(logp), entropy1: entropy(logp1), support: order.length };
}

/**
 * The temperature slider is logarithmic: position 0…100 maps to T = 0.05…5, so T = 1 sits near
 * the middle (position 65) and halving or doubling T is the same distance anywhere on the track.
 * T is kept to 3 significant digits (every position stays distinct: one step is ×1.047), and
 * position 65 (T = 0.998) snaps to exactly 1, the model's own distribution.
 */
export const SLIDER_MAX = 100;
export function sliderToTemperature(position: number): number {
  const x = Math.min(SLIDER_MAX, Math.max(0, Math.round(position))) / SLIDER_MAX;
  const t = Number((T_MIN * Math.pow(T_MAX / T_MIN, x)).toPrecision(3));
  return Math.abs(t - 1) < 0.01 ? 1 : Math.min(T_MAX, Math.max(T_MIN, t));
}
export function temperatureToSlider(temperature: number): number {
  const t = Math.min(T_MAX, Math.max(T_MIN, temperature));
  return Math.round((Math.log(t / T_MIN) / Math.log(T_MAX / T_MIN)) * SLIDER_MAX);
}

/** T for labels: two decimals, three below 0.1 (0.052). */
export function formatTemperature(t: number): string {
  return t < 0.1 ? t.toFixed(3) : t.toFixed(2);
}

/** e^x written as mantissa × 10^exponent, without overflowing for large x (z / T can reach 800). */
export function expAsPowerOfTen(x: number): { mantissa: number; exponent: number } {
  if (x === -Infinity) return { mantissa: 0, exponent: 0 };
  const log10 = x / Math.LN10;
  let exponent = Math.floor(log10);
  let mantissa = Math.pow(10, log10 - exponent);
  // Rounding to 3 significant digits can carry 9.995 up to 10.0.
  if (Number(mantissa.toPrecision(3)) >= 10) {
    mantissa /= 10;
    exponent += 1;
  }
  return { mantissa, exponent };
}

export interface SoftmaxTerm {
  id: number;
  /** z_i */
  logit: number;
  /** z_i / T */
  scaled: number;
  /** p_T(i) */
  p: number;
}

export interface SoftmaxBreakdown {
  temperature: number;
  /** The `count` largest terms of the denominator, best first. */
  terms: SoftmaxTerm[];
  /** How many further (unmasked) terms the denominator has. */
  restCount: number;
  /** log Σ_j exp(z_j / T) over all unmasked tokens: the log of the denominator. */
  logDenominator: number;
  /** log of the sum of the terms not listed. */
  logRest: number;
}

/** The numbers to substitute into p_i = exp(z_i/T) / Σ_j exp(z_j/T) for one step. */
export function softmaxBreakdown(logits: ArrayLike<number>, temperature: number, count: number): SoftmaxBreakdown {
  const logp = temperedLogProbs(logits, temperature);
  const order = topIndices(logits, logits.length);
  const terms = order.slice(0, count).map((id) => ({ id, logit: logits[id]!, scaled: logits[id]! / temperature, p: Math.exp(logp[id]!) }));
  // log Σ exp(z/T) = z_i/T − log p_i for any unmasked i.
  const first = order[0];
  const logDenominator = first === undefined ? -Infinity : logits[first]! / temperature - logp[first]!;
  const listedMass = terms.reduce((s, t) => s + t.p, 0);
  const restMass = Math.max(0, 1 - listedMass);
  const logRest = restMass > 0 ? logDenominator + Math.log(restMass) : -Infinity;
  return { temperature, terms, restCount: order.length - terms.length, logDenominator, logRest };
}

/** e^H: the number of equally likely words that would be as uncertain as this distribution. */
export function perplexityOfEntropy(h: number): number {
  return Math.exp(h);
}
