import { describe, it, expect } from 'vitest';
import { bleu, ciderD, ciderDScorer, normalise, rougeL, scoreCaptions, METRIC_NAMES } from '../../src/model/metrics';
import type { MetricScores } from '../../src/model/metrics';
import { tokenize } from '../../src/model/vocab';
import fixture from '../fixtures/caption-metrics.json';

/** Reference values from the coco-caption scorers (pycocoevalcap); see the fixture's "note". */
interface FixtureItem {
  id: string;
  candidate: string;
  references: string[];
  per_item: MetricScores;
}
const items: FixtureItem[] = fixture.items;
const corpus: MetricScores = fixture.corpus;
const TOL = 1e-6;

/** xs[i], failing the test (rather than reading undefined) when it is missing. */
function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`no element ${i} (length ${xs.length})`);
  return x;
}

function expectClose(actual: number, expected: number, what: string): void {
  expect(Number.isFinite(actual), `${what} is not finite: ${actual}`).toBe(true);
  expect(Math.abs(actual - expected), `${what}: got ${actual}, expected ${expected}`).toBeLessThanOrEqual(TOL);
}

describe('caption metrics match the coco-caption reference scorers', () => {
  const result = scoreCaptions(items);

  it('has exactly the expected metric names', () => {
    const names = [...METRIC_NAMES].sort();
    expect(Object.keys(result.corpus).sort()).toEqual(names);
    expect(Object.keys(corpus).sort()).toEqual(names);
    expect(result.perItem).toHaveLength(items.length);
    for (const s of result.perItem) expect(Object.keys(s).sort()).toEqual(names);
  });

  it('reproduces every corpus value to 1e-6', () => {
    for (const name of METRIC_NAMES) expectClose(result.corpus[name], corpus[name], `corpus ${name}`);
  });

  it('reproduces every per-item value to 1e-6', () => {
    expect(items).toHaveLength(200);
    items.forEach((item, i) => {
      const got = at(result.perItem, i);
      for (const name of METRIC_NAMES) expectClose(got[name], item.per_item[name], `${item.id} ${name}`);
    });
  });

  it('gives the same numbers through bleu, rougeL and ciderD directly', () => {
    const b = bleu(items);
    const c = ciderD(items);
    expect(b.corpus).toHaveLength(4);
    const bleuNames = ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4'] as const;
    bleuNames.forEach((name, k) => expectClose(at(b.corpus, k), corpus[name], `bleu() corpus ${name}`));
    items.forEach((item, i) => {
      bleuNames.forEach((name, k) => expectClose(at(at(b.perItem, i), k), item.per_item[name], `bleu() ${item.id} ${name}`));
      expectClose(rougeL(item.candidate, item.references), item.per_item['ROUGE-L'], `rougeL() ${item.id}`);
      expectClose(at(c.perItem, i), item.per_item['CIDEr-D'], `ciderD() ${item.id}`);
    });
    expectClose(c.corpus, corpus['CIDEr-D'], 'ciderD() corpus');
  });

  it('ciderDScorer scores any candidate against a fixed reference corpus (self-critical rewards)', () => {
    const score = ciderDScorer(items.map((it) => it.references));
    // Against the corpus' own references it is ciderD, item by item, to 1e-6.
    items.forEach((item, i) => expectClose(score(i, item.candidate), item.per_item['CIDEr-D'], `ciderDScorer ${item.id}`));
    // A new candidate is scored with the same document frequencies: a reference itself scores well,
    // another item's caption poorly, and asking twice gives the same number (cached references).
    const own = score(0, at(items, 0).references[0]!);
    expect(own).toBeGreaterThan(score(0, at(items, 1).references[0]!));
    expect(score(0, at(items, 0).references[0]!)).toBe(own);
  });

  it('keeps the tiny/small smoothing: no 4-gram match gives ~1.8e-05, not 0', () => {
    const i = items.findIndex((it) => it.id === '2090545563_a4e66ec76b.jpg');
    const got = at(result.perItem, i)['BLEU-4'];
    expect(got).toBeGreaterThan(1e-5);
    expect(got).toBeLessThan(1e-4);
  });
});

describe('normalise', () => {
  it('reuses the vocabulary tokenizer', () => {
    const s = "A Dog's ball, on the GRASS!  (2 of them)";
    expect(normalise(s)).toEqual(tokenize(s));
    expect(normalise(s)).toEqual(['a', 'dog', 's', 'ball', 'on', 'the', 'grass', '2', 'of', 'them']);
  });
});

describe('metric properties', () => {
  const refA = ['a dog runs across the green grass', 'a brown dog is running on a lawn', 'the dog plays outside in a park'];
  const refB = ['two children play football on a beach', 'kids kick a ball near the sea', 'a boy and a girl playing soccer on sand'];
  const refC = ['a man rides a bicycle down a city street', 'a cyclist on a busy road', 'a person riding a bike in traffic'];
  const one = (candidate: string, references: string[]): MetricScores =>
    at(scoreCaptions([{ candidate, references }]).perItem, 0);

  it('an identical candidate scores BLEU-1..4 ~ 1 and ROUGE-L = 1', () => {
    const s = scoreCaptions([{ candidate: 'a dog runs across the green grass', references: ['a dog runs across the green grass'] }]);
    for (const k of ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4'] as const) {
      expect(s.corpus[k]).toBeCloseTo(1, 6);
      expect(at(s.perItem, 0)[k]).toBeCloseTo(1, 6);
    }
    expect(at(s.perItem, 0)['ROUGE-L']).toBe(1);
  });

  it('a candidate with no overlap scores ~0 on every metric', () => {
    const s = scoreCaptions([
      { candidate: 'purple elephants juggle violins', references: refA },
      { candidate: 'a boy and a girl playing soccer on sand', references: refB },
    ]);
    for (const name of METRIC_NAMES) expect(at(s.perItem, 0)[name]).toBeLessThan(1e-6);
  });

  it('scrambling word order lowers BLEU-4 and ROUGE-L but not BLEU-1', () => {
    const ordered = one('a brown dog is running on a lawn', refA);
    const scrambled = one('lawn a on running is dog brown a', refA);
    expect(scrambled['BLEU-1']).toBeCloseTo(ordered['BLEU-1'], 9);
    expect(scrambled['BLEU-4']).toBeLessThan(ordered['BLEU-4'] / 10);
    expect(scrambled['ROUGE-L']).toBeLessThan(ordered['ROUGE-L']);
  });

  it('applies the brevity penalty against the closest reference length', () => {
    // Every word matches (precision 1), but 3 words against a closest reference of 7.
    expect(one('a brown dog', refA)['BLEU-1']).toBeCloseTo(Math.exp(1 - 7 / 3), 6);
  });

  it('ignores case and punctuation', () => {
    const a = scoreCaptions([
      { candidate: 'A brown dog, running on a LAWN!', references: refA },
      { candidate: 'kids kick a ball', references: refB },
    ]);
    const b = scoreCaptions([
      { candidate: 'a brown dog running on a lawn', references: refA },
      { candidate: 'kids kick a ball', references: refB },
    ]);
    expect(a).toEqual(b);
  });

  it('CIDEr-D clips repeated n-grams and rewards the right image over a wrong one', () => {
    const first = (candA: string): number =>
      at(
        ciderD([
          { candidate: candA, references: refA },
          { candidate: 'kids kick a ball near the sea', references: refB },
          { candidate: 'a man rides a bicycle', references: refC },
        ]).perItem,
        0,
      );
    const good = first('a dog runs on the green grass');
    const repeated = first('dog dog dog dog dog dog dog');
    const once = first('dog');
    const wrong = first('a man rides a bicycle down a city street');
    expect(good).toBeGreaterThan(wrong);
    expect(repeated).toBeLessThanOrEqual(good);
    // Clipping: repeating the only matching unigram gives no more credit than saying it once
    // (the length penalty can only lower it further).
    expect(repeated).toBeLessThanOrEqual(once + 1e-12);
  });

  it('the corpus ROUGE-L and CIDEr-D are the means of the per-item values', () => {
    const s = scoreCaptions(items.slice(0, 20));
    const mean = (k: 'ROUGE-L' | 'CIDEr-D') => s.perItem.reduce((a, x) => a + x[k], 0) / s.perItem.length;
    expect(s.corpus['ROUGE-L']).toBeCloseTo(mean('ROUGE-L'), 12);
    expect(s.corpus['CIDEr-D']).toBeCloseTo(mean('CIDEr-D'), 12);
  });

  it('an empty or punctuation-only candidate scores 0, not NaN', () => {
    const s = scoreCaptions([
      { candidate: ' ?! ', references: refA },
      { candidate: 'kids kick a ball', references: refB },
    ]);
    for (const name of METRIC_NAMES) expect(at(s.perItem, 0)[name]).toBe(0);
    for (const name of METRIC_NAMES) expect(Number.isFinite(s.corpus[name])).toBe(true);
  });

  it('rejects an item without references', () => {
    expect(() => scoreCaptions([{ candidate: 'a dog', references: [] }])).toThrow();
  });
});
