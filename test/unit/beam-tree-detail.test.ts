/** What the beam tree shows for a selected node: prefix, next-word bars, the worked score. */
import katex from 'katex';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeDetail, nextWordTag, scoreTex, statusSentence, texWord } from '../../src/components/views/beam-node-detail';
import { displayWord, fmt } from '../../src/components/views/beam-tree-layout';
import { beamSearch } from '../../src/model/search';
import type { Trace } from '../../src/model/trace';
import { END_ID } from '../../src/model/vocab';
import { fakeFeature, loadFixture } from './helpers';

let words: string[];
let traces: Trace[];
beforeAll(async () => {
  const fx = await loadFixture();
  words = [...fx.vocab.words];
  traces = [0, 0.7].flatMap((alpha) => [1, 2, 3].map((seed) => beamSearch(fx.reference, fakeFeature(560, seed), { maxLength: 12, beamWidth: 3, alpha, expansions: 5 })));
});

describe('beam node detail', () => {
  it('the best node: its prefix is the caption, its terms add up to its log p, its score follows from α', () => {
    for (const trace of traces) {
      const best = trace.beam!.nodes[trace.beam!.best]!;
      const d = nodeDetail(trace, words, best.id)!;
      const caption = trace.tokens.map((t) => displayWord(words, t));
      expect(d.prefix).toEqual(trace.finished ? [...caption, '<end>'] : caption);
      expect(d.length).toBe(best.step + 1);
      expect(d.terms.map((t) => t.logp)).toEqual(trace.steps.map((s) => s.logp));
      expect(d.terms.reduce((a, t) => a + t.logp, 0)).toBeCloseTo(d.logp, 9);
      const alpha = (trace.options as { alpha: number }).alpha;
      expect(d.alpha).toBe(alpha);
      expect(d.logp / d.denominator).toBeCloseTo(d.score, 9);
      expect(d.best).toBe(true);
    }
  });

  it("lists p for the next word with what the search did with each word at this node", () => {
    for (const trace of traces) {
      const nodes = trace.beam!.nodes;
      for (const n of nodes.filter((m) => m.top)) {
        const d = nodeDetail(trace, words, n.id)!;
        expect(d.next!.map((w) => [w.token, w.p])).toEqual(n.top!.map((t) => [t.id, t.p]));
        for (const w of d.next!) {
          const child = nodes.find((c) => c.parent === n.id && c.token === w.token);
          expect(w.child).toEqual(child ? { id: child.id, status: child.status } : undefined);
          expect(nextWordTag(w)).toBe(child ? { survived: 'kept', pruned: 'cut', finished: 'finished', root: '' }[child.status] : 'not a candidate');
        }
      }
      // Pruned nodes were never expanded: no distribution to show.
      const pruned = nodes.find((m) => m.status === 'pruned')!;
      expect(nodeDetail(trace, words, pruned.id)!.next).toBeNull();
      expect(statusSentence(nodeDetail(trace, words, pruned.id)!)).toMatch(/^Pruned at step \d+/);
    }
  });

  it('works the score out in TeX with the real numbers, and KaTeX accepts it', () => {
    const trace = traces.find((t) => (t.options as { alpha: number }).alpha > 0 && t.steps.length >= 2)!;
    const d = nodeDetail(trace, words, trace.beam!.best)!;
    const tex = scoreTex(d);
    for (const t of d.terms) expect(tex).toContain(fmt(t.logp).replace('−', '-'));
    expect(tex).toContain(`{${d.length}^{0.7}}`);
    expect(tex).toContain(fmt(d.score, 3).replace('−', '-'));
    expect(tex).toContain(fmt(d.denominator, 3));
    expect(() => katex.renderToString(tex, { throwOnError: true, displayMode: true })).not.toThrow();
    // α = 0: the score is the log p itself.
    const plain = traces.find((t) => (t.options as { alpha: number }).alpha === 0)!;
    const d0 = nodeDetail(plain, words, plain.beam!.best)!;
    expect(d0.score).toBe(d0.logp);
    expect(scoreTex(d0)).toContain('^{0}');
    expect(() => katex.renderToString(scoreTex(d0), { throwOnError: true, displayMode: true })).not.toThrow();
  });

  it('the root has nothing emitted yet; unknown ids give nothing', () => {
    const trace = traces[0]!;
    const root = nodeDetail(trace, words, 0)!;
    expect([root.length, root.prefix, root.logp]).toEqual([0, [], 0]);
    expect(root.next).not.toBeNull();
    expect(() => katex.renderToString(scoreTex(root), { throwOnError: true })).not.toThrow();
    expect(nodeDetail(trace, words, 99999)).toBeNull();
  });

  it('escapes words for TeX', () => {
    expect(texWord('dog')).toBe('\\text{dog}');
    expect(texWord('a\\b{c}$%^_x')).toBe('\\text{abcx}');
    expect(texWord(displayWord(words, END_ID))).toBe('\\langle\\text{end}\\rangle');
    expect(texWord('}{')).toBe('\\text{?}');
  });
});
