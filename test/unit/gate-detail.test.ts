/** The unit panel's numbers and TeX: the equations hold with the numbers they print. */
import katex from 'katex';
import { beforeAll, describe, expect, it } from 'vitest';
import { traceColumns, type GateColumn } from '../../src/components/views/gate-layout';
import { parseUnitWords, texNumber, texWord, unitEquationsTex, unitNumbers, unitTrajectories } from '../../src/components/views/unit-detail';
import { greedy } from '../../src/model/search';
import { GATE_NAMES } from '../../src/model/trace';
import { fakeFeature, loadFixture } from './helpers';

let columns: GateColumn[];
let words: readonly string[];
beforeAll(async () => {
  const fx = await loadFixture();
  columns = traceColumns(greedy(fx.tfDecoder, fakeFeature(560, 4), { maxLength: 10 }));
  words = fx.vocab.words;
});

describe('unit numbers', () => {
  it('c = f·c_prev + i·g and h = o·tanh(c) at every step of every unit (the image step starts from zero)', () => {
    const H = columns[0]!.gates.h.length;
    for (let u = 0; u < H; u++) {
      for (let col = 0; col < columns.length; col++) {
        const n = unitNumbers(columns, u, col);
        if (col === 0) expect([n.cPrev, n.hPrev, n.step, n.input]).toEqual([0, 0, -1, -1]);
        else expect(n.cPrev).toBe(columns[col - 1]!.gates.c[u]);
        expect(n.c).toBeCloseTo(n.f * n.cPrev + n.i * n.g, 5);
        expect(n.h).toBeCloseTo(n.o * Math.tanh(n.c), 5);
        expect(n.i).toBe(columns[col]!.gates.i[u]);
      }
    }
  });

  it('trajectories are the columns read across', () => {
    const traj = unitTrajectories(columns, 3);
    for (const g of GATE_NAMES) expect(traj[g]).toEqual(columns.map((c) => c.gates[g][3]));
  });
});

describe('equations in TeX', () => {
  it('print the unit, the step and every value, and typeset without errors', () => {
    for (const col of [0, 1, columns.length - 1]) {
      const n = unitNumbers(columns, 2, col);
      const tex = unitEquationsTex(n, n.input >= 0 ? words[n.input]! : null);
      for (const v of [n.i, n.f, n.o, n.g, n.c, n.h, n.cPrev]) expect(tex).toContain(texNumber(v));
      expect(tex).toContain(`i_{${n.step}}^{(2)}`);
      expect(tex).toContain(`c_{${n.step - 1}}^{(2)}`);
      if (col === 0) expect(tex).toContain('W_I');
      else expect(tex).toContain(texWord(words[n.input]!));
      expect(() => katex.renderToString(tex, { throwOnError: true, displayMode: true })).not.toThrow();
    }
  });

  it('words become safe TeX text', () => {
    expect(texWord('<start>')).toBe('\\langle\\text{start}\\rangle');
    expect(texWord('dog')).toBe('\\text{dog}');
    expect(texWord('a}\\b{$x')).toBe('\\text{abx}');
  });

  it('numbers: fixed digits, ASCII minus, negatives parenthesised inside products', () => {
    expect(texNumber(0.73123)).toBe('0.731');
    expect(texNumber(-0.2)).toBe('-0.200');
    expect(texNumber(-0.2, true)).toBe('(-0.200)');
    expect(texNumber(-0.00001)).toBe('0.000');
  });
});

describe('unit-words file', () => {
  const good = (H: number) => {
    const lists = { high: Array.from({ length: H }, () => [['dog', 0.5, 12]]), low: Array.from({ length: H }, () => [['grass', -0.4, 9]]) };
    return { format: 'show-and-tell-unit-words', version: 1, model: 'm', hiddenSize: H, split: 'dev', captions: 1, tokens: 1, feature: 'zero', minCount: 5, top: 5, note: '', h: lists, c: lists };
  };
  it('accepts a file for this model', () => {
    const f = parseUnitWords(good(4), 4);
    expect(typeof f).toBe('object');
  });
  it('rejects files for another model, or of another kind, with a reason', () => {
    expect(parseUnitWords(good(4), 512)).toMatch(/4 units.*512/);
    expect(parseUnitWords({ format: 'nope' }, 4)).toMatch(/not a unit-words file/);
    expect(parseUnitWords(null, 4)).toMatch(/not a unit-words file/);
    const broken = good(4);
    broken.h.high[1] = [['dog', 'x', 1]] as never;
    expect(parseUnitWords(broken, 4)).toMatch(/incomplete/);
  });
});
