/**
 * The stepper's wrangling: bars from a trace step, the entropy line, what-if prefixes, and what
 * the stepper shows at each step. Traces come from a table model whose probabilities are known.
 */
import { describe, expect, test } from 'vitest';
import { greedy, softmax } from '../../src/model/search';
import { END_ID } from '../../src/model/vocab';
import { barLabel, barsFromStep, canForce, formatProbability } from '../../src/components/views/distribution-bars';
import { announceStep, clampStep, describeEntropy, prefixWords, stepperData, subscript, whatIfPrefix } from '../../src/components/views/decode-stepper';
import type { DecodeResult } from '../../src/state/store';
import { DEFAULT_STATE } from '../../src/state/state';
import { logitsAfter, tableModel, traces, WORDS } from './stepper-table-model';

const t = traces();
const ids = (words: string[]) => words.map((w) => WORDS.indexOf(w as (typeof WORDS)[number]));

describe('barsFromStep', () => {
  test('step 0 of greedy: p_0 over the unmasked words, best first, "a" chosen', () => {
    const step = t.greedy.steps[0]!;
    const data = barsFromStep({ step, words: WORDS, temperature: 1 });
    // <start>, <unk> are always masked; <end> too before the first word (minLength 1).
    expect(data.bars.map((b) => b.word)).toEqual(['a', 'dog', 'grass', 'runs', 'on']);
    expect(data.support).toBe(5);
    const row = logitsAfter(0);
    const masked = row.map((z, k) => (k === 0 || k === 1 || k === 2 ? -Infinity : z));
    const p = softmax(masked);
    for (const b of data.bars) {
      expect(b.p).toBeCloseTo(p[b.id]!, 6);
      expect(b.p1).toBeCloseTo(b.p, 12);
    }
    expect(data.bars.filter((b) => b.chosen).map((b) => b.word)).toEqual(['a']);
    expect(data.bars.find((b) => b.chosen)!.forcible).toBe(false);
    expect(data.bars.filter((b) => !b.chosen).every((b) => b.forcible)).toBe(true);
    expect(data.chosenBelowTop).toBe(false);
    expect(data.entropy).toBeCloseTo(step.entropy, 6);
  });

  test('`<end>` is drawn but cannot be forced', () => {
    const last = t.greedy.steps.at(-1)!; // grass → <end>
    expect(last.chosen).toBe(END_ID);
    const data = barsFromStep({ step: t.greedy.steps[2]!, words: WORDS, temperature: 1 });
    const end = data.bars.find((b) => b.id === END_ID)!;
    expect(end).toBeDefined();
    expect(end.forcible).toBe(false);
  });

  test('a temperature redraws p from the same logits; p1 keeps the model’s values', () => {
    const step = t.greedy.steps[1]!;
    const one = barsFromStep({ step, words: WORDS, temperature: 1 });
    const hot = barsFromStep({ step, words: WORDS, temperature: 3 });
    expect(hot.bars.map((b) => b.id)).toEqual(one.bars.map((b) => b.id));
    expect(hot.bars[0]!.p).toBeLessThan(one.bars[0]!.p);
    hot.bars.forEach((b, k) => expect(b.p1).toBeCloseTo(one.bars[k]!.p, 12));
    expect(hot.entropy).toBeGreaterThan(hot.entropy1);
    expect(hot.temperature).toBe(3);
  });

  test('a chosen word below the shown top is appended with its rank', () => {
    const step = t.greedy.steps[0]!;
    const forcedLow = { ...step, chosen: WORDS.indexOf('on'), forced: true };
    const data = barsFromStep({ step: forcedLow, words: WORDS, temperature: 1, count: 2 });
    expect(data.bars.map((b) => b.word)).toEqual(['a', 'dog', 'on']);
    expect(data.bars[2]!).toMatchObject({ chosen: true, forced: true, rank: 5 });
    expect(data.chosenBelowTop).toBe(true);
  });

  test('sampling’s top-k pool marks the words the sampler cannot draw', () => {
    const data = barsFromStep({ step: t.greedy.steps[0]!, words: WORDS, temperature: 1, poolSize: 2 });
    expect(data.bars.map((b) => b.inPool)).toEqual([true, true, false, false, false]);
    expect(barsFromStep({ step: t.greedy.steps[0]!, words: WORDS, temperature: 1 }).bars.every((b) => b.inPool)).toBe(true);
  });

  test('bar labels say what a screen reader needs', () => {
    const data = barsFromStep({ step: t.greedy.steps[0]!, words: WORDS, temperature: 2 });
    const chosen = barLabel(data.bars[0]!, 2);
    expect(chosen).toMatch(/^a: probability 0\.\d+, at temperature 2; 0\.\d+ at temperature 1, rank 1, chosen by the decoder$/);
    expect(barLabel(data.bars[1]!, 2)).toMatch(/press to force this word here$/);
  });
});

test('canForce: plain words within the 20-word limit, never <end>', () => {
  expect(canForce('dog', 4, 0)).toBe(true);
  expect(canForce('dog', 4, 19)).toBe(true);
  expect(canForce('dog', 4, 20)).toBe(false);
  expect(canForce('<end>', END_ID, 3)).toBe(false);
  expect(canForce("o'clock", 9, 3)).toBe(false);
  expect(canForce('x'.repeat(31), 9, 3)).toBe(false);
});

test('subscripts for x_t and p_t in prose', () => {
  expect(subscript(0)).toBe('₀');
  expect(subscript(12)).toBe('₁₂');
  expect(subscript(-1)).toBe('₋₁');
});

test('formatProbability', () => {
  expect(formatProbability(0.4123)).toBe('0.41');
  expect(formatProbability(0.0042)).toBe('0.004');
  expect(formatProbability(0.00001)).toBe('< 0.001');
  expect(formatProbability(0)).toBe('0');
  expect(formatProbability(0.9991)).toBe('0.999');
  expect(formatProbability(0.99999)).toBe('1.00');
});

test('describeEntropy gives nats and the equivalent number of equally likely words', () => {
  expect(describeEntropy(Math.log(4), Math.log(4), 1)).toBe('Entropy of pₜ: 1.39 nats — as uncertain as a fair pick among 4.0 words.');
  expect(describeEntropy(Math.log(2), Math.log(4), 0.5)).toBe('Entropy of pₜ: 0.69 nats — as uncertain as a fair pick among 2.0 words at T = 0.50 (1.39 nats at T = 1).');
});

describe('what-if', () => {
  test('the prefix is the path before the step plus the clicked word', () => {
    expect(whatIfPrefix(t.greedy, WORDS, 0, WORDS.indexOf('dog'))).toEqual(['dog']);
    expect(whatIfPrefix(t.greedy, WORDS, 2, WORDS.indexOf('on'))).toEqual(['a', 'dog', 'on']);
    // It follows the stepped decoder's path: beam's caption is "a grass".
    expect(whatIfPrefix(t.beam, WORDS, 1, WORDS.indexOf('dog'))).toEqual(['a', 'dog']);
  });

  test('refuses what the URL cannot hold: <end>, a step outside the caption', () => {
    expect(whatIfPrefix(t.greedy, WORDS, 2, END_ID)).toBeNull();
    expect(whatIfPrefix(t.greedy, WORDS, -1, 3)).toBeNull();
    expect(whatIfPrefix(t.greedy, WORDS, t.greedy.steps.length, 3)).toBeNull();
  });

  test('decoding with that prefix forces it and continues from there', () => {
    const prefix = whatIfPrefix(t.greedy, WORDS, 2, WORDS.indexOf('on'))!;
    const again = greedy(tableModel, new Float32Array(4), { maxLength: 20, minLength: 1, prefix: ids(prefix) });
    expect(again.tokens.slice(0, 3).map((id) => WORDS[id])).toEqual(prefix);
    expect(again.steps.map((s) => s.forced)).toEqual(again.steps.map((_, k) => k < 3));
    // Not where greedy would have gone by itself ("runs" at step 2).
    expect(again.tokens).not.toEqual(t.greedy.tokens);
  });
});

describe('stepper data', () => {
  const result = { photo: 'dog', feature: new Float32Array(4), classes: [{ name: 'dog', score: 0.9 }], words: WORDS, traces: t, precomputed: false } satisfies DecodeResult;
  const state = (patch: Partial<typeof DEFAULT_STATE>) => ({ ...DEFAULT_STATE, ...patch });

  test('steps are clamped to −1 … the last word', () => {
    expect(clampStep(40, t.greedy)).toBe(t.greedy.steps.length - 1);
    expect(clampStep(-7, t.greedy)).toBe(-1);
    expect(clampStep(2, t.greedy)).toBe(2);
    expect(stepperData({ result, state: state({ decoder: 'beam', step: 9 }) }).t).toBe(t.beam.steps.length - 1);
  });

  test('the image step has no bars and says the photo enters as x₋₁', () => {
    const d = stepperData({ result, state: state({ decoder: 'greedy', step: -1 }) });
    expect(d.bars).toBeNull();
    expect(d.prefix).toEqual([]);
    expect(d.explain).toMatch(/x₋₁/);
    expect(d.announcement).toMatch(/^Image step/);
  });

  test('a word step shows the prefix up to it, the input word and p_t of the chosen decoder', () => {
    const d = stepperData({ result, state: state({ decoder: 'greedy', step: 2, temperature: 0.5 }) });
    expect(d.prefix.map((w) => w.word)).toEqual(['a', 'dog', 'runs']);
    expect(d.prefix.map((w) => w.current)).toEqual([false, false, true]);
    expect(d.input).toBe('dog');
    expect(d.explain).toBe('The LSTM reads “dog” (x₂ = W_e · dog) and outputs p₂, a distribution over all 8 words.');
    expect(d.bars!.step).toBe(t.greedy.steps[2]);
    expect(d.bars!.temperature).toBe(0.5);
    expect(d.bars!.poolSize).toBe(0);
    expect(d.announcement).toBe(`Step 3 of 6: runs, probability ${formatProbability(Math.exp(t.greedy.steps[2]!.logp))}.`);
    expect(stepperData({ result, state: state({ decoder: 'sample', step: 0, topk: 3 }) }).bars!.poolSize).toBe(3);
  });

  test('announcements name the end of the caption and forced words', () => {
    expect(announceStep(t.greedy, WORDS, 5)).toMatch(/^Step 6 of 6: end of caption, probability/);
    const forced = greedy(tableModel, new Float32Array(4), { maxLength: 20, minLength: 1, prefix: ids(['dog']) });
    expect(announceStep(forced, WORDS, 0)).toMatch(/dog, probability .*, forced by you\.$/);
    expect(prefixWords(forced, WORDS, 1).map((w) => w.forced)).toEqual([true, false]);
  });
});
