/** The TeX the maths panel typesets: the chain rule with live factors, and softmax with temperature. */
import katex from 'katex';
import { describe, expect, test } from 'vitest';
import { CHAIN_RULE_TEX, chainRuleFactors, chainRuleTotalsTex, equationsData, SOFTMAX_TEX, softmaxTex, texExp, texWord } from '../../src/components/views/live-equations';
import type { DecodeResult } from '../../src/state/store';
import { traces, WORDS } from './stepper-table-model';

/** Typesets strictly: any TeX error fails the test. */
function typesets(tex: string): string {
  return katex.renderToString(tex, { throwOnError: true, strict: 'error' });
}

const t = traces();

describe('texWord', () => {
  test('plain words, and <end> as ⟨end⟩', () => {
    expect(texWord('dog')).toBe('\\text{dog}');
    expect(texWord('<end>')).toBe('\\langle\\text{end}\\rangle');
    expect(texWord('<start>')).toBe('\\langle\\text{start}\\rangle');
  });

  test('TeX specials and commands in a word are escaped, never run', () => {
    for (const evil of ['a_b', '50%', '\\def\\x{y}', '}{\\href{x}{y}', '$x$', 'a^b~c', '<b>', '#&']) {
      const tex = texWord(evil);
      const html = typesets(`p(${tex})`);
      // The word shows as text: no error box, no link, no command run.
      expect(html).not.toMatch(/katex-error|<a /);
    }
    expect(texWord('\\textbf{x}')).toBe('\\text{\\textbackslash{}textbf\\{x\\}}');
  });
});

test('texExp: plain numbers, powers of ten when huge or tiny', () => {
  expect(texExp(0)).toBe('1');
  expect(texExp(Math.log(61.6))).toBe('61.6');
  expect(texExp(800)).toMatch(/^\d\.\d \\times 10\^\{347\}$/);
  expect(texExp(-20)).toMatch(/\\times 10\^\{-9\}$/);
  expect(texExp(-Infinity)).toBe('0');
});

describe('the chain rule with this caption’s factors', () => {
  test('one factor per token, with its word, context and probability', () => {
    const f = chainRuleFactors(t.greedy, WORDS, 1);
    expect(f).toHaveLength(6);
    const p0 = Math.exp(t.greedy.steps[0]!.logp);
    expect(f[0]!.tex).toBe(`p(\\text{a} \\mid I, \\langle\\text{start}\\rangle) = ${p0.toFixed(2)}`);
    expect(f[1]!.tex).toContain('p(\\text{dog} \\mid I, \\langle\\text{start}\\rangle, \\text{a})');
    // Longer contexts keep the last two words after an ellipsis.
    expect(f[4]!.tex).toContain('p(\\text{grass} \\mid I, \\ldots, \\text{runs}, \\text{on})');
    expect(f[5]!.tex).toContain('\\langle\\text{end}\\rangle \\mid');
    expect(f.map((x) => x.current)).toEqual([false, true, false, false, false, false]);
    for (const x of f) typesets(x.tex);
  });

  test('the product and the log-sum equal the caption’s p and log p', () => {
    const { product, logSum } = chainRuleTotalsTex(t.greedy);
    const ps = t.greedy.steps.map((s) => Math.exp(s.logp).toFixed(2));
    expect(product).toBe(`p(S \\mid I) = ${ps.join(' \\times ')} = ${Math.exp(t.greedy.logp).toFixed(2)}`);
    expect(logSum.endsWith(`= ${t.greedy.logp.toFixed(2)}`)).toBe(true);
    expect(logSum).toMatch(/^\\log p\(S \\mid I\) = -\d\.\d\d - \d\.\d\d/);
    typesets(product);
    typesets(logSum);
    // An unlikely caption (every word at p ≈ 0.05): p(S|I) in powers of ten.
    const unlikely = { ...t.greedy, steps: t.greedy.steps.map((s) => ({ ...s, logp: -3 })), logp: -3 * t.greedy.steps.length };
    expect(chainRuleTotalsTex(unlikely).product).toMatch(/\\times 10\^\{-\d+\}$/);
  });
});

describe('softmax with temperature', () => {
  const step = t.greedy.steps[1]!; // a → dog
  test('substitutes the chosen word’s logit and the largest ones', () => {
    const tex = softmaxTex(step, WORDS, 1);
    expect(tex.startsWith('p_{\\text{dog}} = \\frac{e^{2.50 / 1}}{e^{2.50 / 1} + e^{1.80 / 1} + e^{0.50 / 1} + \\underbrace{\\cdots}_{3\\text{ more}}}')).toBe(true);
    expect(tex.endsWith(`= ${Math.exp(step.logp).toFixed(2)}`)).toBe(true);
    typesets(tex);
  });

  test('at another temperature the numbers change and the result is p_T', () => {
    const tex = softmaxTex(step, WORDS, 0.5);
    expect(tex).toContain('e^{2.50 / 0.5}');
    const z = [...step.logits].filter((x) => x > -Infinity);
    const pT = Math.exp(2.5 / 0.5) / z.reduce((s, x) => s + Math.exp(x / 0.5), 0);
    expect(tex.endsWith(`= ${pT.toFixed(2)}`)).toBe(true);
    expect(pT).toBeGreaterThan(Math.exp(step.logp));
  });

  test('equationsData: no softmax at the image step; the general forms typeset', () => {
    const result = { photo: 'dog', feature: new Float32Array(4), classes: [], words: WORDS, traces: t, precomputed: false } satisfies DecodeResult;
    const img = equationsData({ result, decoder: 'beam', step: -1, temperature: 1 });
    expect(img.softmax).toBeNull();
    expect(img.factors).toHaveLength(t.beam.steps.length);
    const d = equationsData({ result, decoder: 'beam', step: 30, temperature: 2 });
    expect(d.factors.at(-1)!.current).toBe(true);
    expect(d.chosen).toEqual({ word: '<end>', p1: Math.exp(t.beam.steps.at(-1)!.logp) });
    typesets(CHAIN_RULE_TEX);
    typesets(SOFTMAX_TEX);
  });
});
