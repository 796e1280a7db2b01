/** The temperature maths behind the p_t bars and the softmax equation (src/lib/temperature.ts). */
import { describe, expect, test } from 'vitest';
import { entropy, logSoftmax, softmax } from '../../src/model/search';
import {
  expAsPowerOfTen,
  formatTemperature,
  perplexityOfEntropy,
  sliderToTemperature,
  softmaxBreakdown,
  temperatureToSlider,
  temperedLogProbs,
  temperedTop,
  T_MAX,
  T_MIN,
} from '../../src/lib/temperature';

// Masked tokens carry −∞, as in Trace.steps[t].logits.
const LOGITS = Float32Array.from([-Infinity, 0.5, -Infinity, 3, 1, 0.2, 0.1, 0.4]);

describe('temperedTop', () => {
  test('at T = 1 it is the model’s softmax, best first, masked tokens left out', () => {
    const d = temperedTop(LOGITS, 1, 10);
    const p = softmax(LOGITS);
    expect(d.tokens.map((t) => t.id)).toEqual([3, 4, 1, 7, 5, 6]);
    expect(d.support).toBe(6);
    for (const t of d.tokens) {
      expect(t.p).toBeCloseTo(p[t.id]!, 12);
      expect(t.p1).toBe(t.p);
    }
    expect(d.tokens.reduce((s, t) => s + t.p, 0)).toBeCloseTo(1, 12);
    expect(d.entropy).toBeCloseTo(entropy(logSoftmax(LOGITS)), 12);
    expect(d.tokens.map((t) => t.rank)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('T < 1 sharpens, T > 1 flattens, the order never changes, and p1 stays the model’s', () => {
    const cold = temperedTop(LOGITS, 0.5, 10);
    const hot = temperedTop(LOGITS, 2, 10);
    const one = temperedTop(LOGITS, 1, 10);
    expect(cold.tokens.map((t) => t.id)).toEqual(one.tokens.map((t) => t.id));
    expect(hot.tokens.map((t) => t.id)).toEqual(one.tokens.map((t) => t.id));
    expect(cold.tokens[0]!.p).toBeGreaterThan(one.tokens[0]!.p);
    expect(hot.tokens[0]!.p).toBeLessThan(one.tokens[0]!.p);
    expect(cold.entropy).toBeLessThan(one.entropy);
    expect(hot.entropy).toBeGreaterThan(one.entropy);
    expect(hot.entropy1).toBeCloseTo(one.entropy, 12);
    hot.tokens.forEach((t, k) => expect(t.p1).toBeCloseTo(one.tokens[k]!.p, 12));
    // p_T(i) ∝ exp(z_i / T): the ratio of two tokens is exp((z_a − z_b) / T).
    expect(hot.tokens[0]!.p / hot.tokens[1]!.p).toBeCloseTo(Math.exp((3 - 1) / 2), 10);
  });

  test('keeps `count` tokens and appends an included token from further down, with its rank', () => {
    const d = temperedTop(LOGITS, 1, 2, [6]);
    expect(d.tokens.map((t) => [t.id, t.rank])).toEqual([
      [3, 1],
      [4, 2],
      [6, 6],
    ]);
    // A masked or already-listed token is not added again.
    expect(temperedTop(LOGITS, 1, 2, [0, 3]).tokens.map((t) => t.id)).toEqual([3, 4]);
  });

  test('rejects a temperature that is not positive', () => {
    expect(() => temperedLogProbs(LOGITS, 0)).toThrow(/temperature/);
    expect(() => temperedLogProbs(LOGITS, -1)).toThrow(/temperature/);
  });
});

describe('the logarithmic temperature slider', () => {
  test('spans the range the URL accepts, with T = 1 reachable', () => {
    expect(sliderToTemperature(0)).toBe(T_MIN);
    expect(sliderToTemperature(100)).toBe(T_MAX);
    expect(sliderToTemperature(-10)).toBe(T_MIN);
    expect(sliderToTemperature(1000)).toBe(T_MAX);
    expect(temperatureToSlider(1)).toBe(65);
    expect(sliderToTemperature(65)).toBe(1);
  });

  test('is monotone and round-trips every position', () => {
    let previous = 0;
    for (let pos = 0; pos <= 100; pos++) {
      const t = sliderToTemperature(pos);
      expect(t).toBeGreaterThan(previous); // every step of the slider changes T
      previous = t;
      expect(temperatureToSlider(t)).toBe(pos);
    }
  });
});

test('labels show small temperatures with three decimals', () => {
  expect(formatTemperature(1)).toBe('1.00');
  expect(formatTemperature(0.0524)).toBe('0.052');
  expect(formatTemperature(2.19)).toBe('2.19');
});

describe('softmax numbers for the equation', () => {
  test('e^x as mantissa × 10^exponent, without overflow', () => {
    expect(expAsPowerOfTen(0)).toEqual({ mantissa: 1, exponent: 0 });
    const big = expAsPowerOfTen(800); // Math.exp(800) is Infinity
    expect(big.exponent).toBe(347);
    expect(big.mantissa).toBeGreaterThanOrEqual(1);
    expect(big.mantissa).toBeLessThan(10);
    expect(Math.log10(big.mantissa) + big.exponent).toBeCloseTo(800 / Math.LN10, 9);
    const small = expAsPowerOfTen(-5);
    expect(small.mantissa * 10 ** small.exponent).toBeCloseTo(Math.exp(-5), 12);
  });

  test('the listed terms, the rest and the denominator add up', () => {
    const T = 0.7;
    const b = softmaxBreakdown(LOGITS, T, 3);
    expect(b.terms.map((t) => t.id)).toEqual([3, 4, 1]);
    expect(b.restCount).toBe(3);
    const sum = [...LOGITS].filter((z) => z > -Infinity).reduce((s, z) => s + Math.exp(z / T), 0);
    expect(b.logDenominator).toBeCloseTo(Math.log(sum), 10);
    const listed = b.terms.reduce((s, t) => s + Math.exp(t.scaled), 0);
    expect(listed + Math.exp(b.logRest)).toBeCloseTo(sum, 10);
    for (const t of b.terms) {
      expect(t.scaled).toBeCloseTo(t.logit / T, 6);
      expect(t.p).toBeCloseTo(Math.exp(t.scaled) / sum, 10);
    }
  });

  test('nothing left over when every term is listed', () => {
    const b = softmaxBreakdown(LOGITS, 1, 10);
    expect(b.restCount).toBe(0);
    expect(b.terms).toHaveLength(6);
  });

  test('perplexity of a uniform distribution over n words is n', () => {
    const uniform = logSoftmax(new Float32Array(5));
    expect(perplexityOfEntropy(entropy(uniform))).toBeCloseTo(5, 10);
  });
});
