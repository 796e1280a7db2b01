/** Pure helpers of the embedding map (src/components/views/embedding-layout.ts) and the committed word list. */
import { describe, expect, test } from 'vitest';
import categoryList from '../../src/data/word-categories.json' with { type: 'json' };
import {
  captionPath,
  categorise,
  describeMap,
  dotRadii,
  fitTransform,
  frequencyOrder,
  guidedGroup,
  labelBudget,
  layoutMismatch,
  missingSentence,
  placeLabels,
  pointIndex,
  RADIUS_RANGE,
  searchMatches,
} from '../../src/components/views/embedding-layout';

describe('categories', () => {
  test('the committed list names each word once, in six categories', () => {
    expect(categoryList.order).toEqual(['animals', 'people', 'colours', 'places', 'actions', 'objects']);
    const all = categoryList.order.flatMap((c) => (categoryList.categories as Record<string, string[]>)[c]!);
    expect(new Set(all).size).toBe(all.length);
    for (const w of all) expect(w).toMatch(/^[a-z0-9]+$/);
    expect(all).toEqual(expect.arrayContaining(['horse', 'pony', 'donkey', 'mule', 'zebra', 'man', 'red', 'beach', 'running', 'ball']));
  });

  test('words get their category index, unknown words -1, and the first list wins', () => {
    const { categories, category } = categorise(['horse', 'man', 'zzz', 'red'], categoryList);
    expect(categories[category[0]!]).toBe('animals');
    expect(categories[category[1]!]).toBe('people');
    expect(category[2]).toBe(-1);
    expect(categories[category[3]!]).toBe('colours');
    const twice = categorise(['x'], { order: ['a', 'b'], categories: { a: ['x'], b: ['x'] } });
    expect(twice.category).toEqual([0]);
  });
});

describe('dot sizes and labels', () => {
  test('radius grows with the logarithm of the count, within the range', () => {
    const r = dotRadii([0, 9, 99, 9999]);
    expect(r[0]).toBeCloseTo(RADIUS_RANGE[0]);
    expect(r[3]).toBeCloseTo(RADIUS_RANGE[1]);
    expect(r[1]!).toBeLessThan(r[2]!);
    // logarithmic: 9 → 99 (×10) adds as much as 99 → 999 would, about a quarter of the range each
    expect(r[2]! - r[1]!).toBeCloseTo(((RADIUS_RANGE[1] - RADIUS_RANGE[0]) * Math.log(10)) / Math.log(10000), 1);
    expect(Array.from(dotRadii([0, 0]))).toEqual([(RADIUS_RANGE[0] + RADIUS_RANGE[1]) / 2, (RADIUS_RANGE[0] + RADIUS_RANGE[1]) / 2].map(Math.fround));
  });

  test('frequency order: most used first, ties by position', () => {
    expect(frequencyOrder([5, 9, 5, 0, 9])).toEqual([1, 4, 0, 2, 3]);
  });

  test('the label budget grows with the zoomed area and stops at the word count', () => {
    expect(labelBudget(1, 3000)).toBe(40);
    expect(labelBudget(2, 3000)).toBe(160);
    expect(labelBudget(0.5, 3000)).toBe(40);
    expect(labelBudget(100, 3000)).toBe(3000);
  });

  test('labels never overlap, stay in view, try four spots around the dot, and forced labels are kept', () => {
    // Ten dots on top of each other, one far away, one at the right edge, one out of view.
    const pos = [...Array.from({ length: 10 }, () => ({ x: 100, y: 100, r: 2 })), { x: 300, y: 50, r: 2 }, { x: 495, y: 50, r: 2 }, { x: 600, y: 50, r: 2 }];
    const view = { width: 500, height: 200 };
    const boxes = placeLabels(pos.map((_, i) => i), (i) => pos[i]!, () => 40, view);
    const points = boxes.map((b) => b.point);
    expect(points.filter((i) => i < 10)).toEqual([0, 1, 2, 3]); // right, left, above and below the stack; the rest collide
    expect(points).toContain(10);
    expect(points).toContain(11); // at the right edge: labelled on its left
    expect(points).not.toContain(12); // out of view
    const right = boxes.find((b) => b.point === 11)!;
    expect(right.x + right.w).toBeLessThanOrEqual(495);
    for (const b of boxes) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.x + b.w).toBeLessThanOrEqual(500);
      for (const o of boxes) if (o !== b) expect(b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h).toBe(false);
    }
    // A forced label is placed even when every spot is taken.
    const forced = placeLabels([0, 1, 2, 3, 7], (i) => pos[i]!, () => 40, view, { force: new Set([7]) });
    expect(forced.map((b) => b.point)).toEqual([0, 1, 2, 3, 7]);
    expect(placeLabels([0, 10], (i) => pos[i]!, () => 40, view, { max: 1 })).toHaveLength(1);
  });
});

describe('lookups, caption path and guided group', () => {
  const layout = { ids: [3, 4, 5, 6], words: ['a', 'horse', 'pony', 'field'], vocabSize: 7 };
  const index = pointIndex(layout);

  test('the caption path runs up to and including the step in view, skipping nothing', () => {
    expect(captionPath([3, 4, 2, 6], -1, index.ofId)).toEqual([]);
    expect(captionPath([3, 4, 2, 6], 1, index.ofId)).toEqual([
      { position: 0, token: 3, point: 0 },
      { position: 1, token: 4, point: 1 },
    ]);
    // <unk> (2) is not on the map: it stays in the path with point -1; steps past the end are clamped.
    expect(captionPath([3, 4, 2, 6], 40, index.ofId).map((s) => s.point)).toEqual([0, 1, -1, 3]);
  });

  test('a layout from another vocabulary is caught', () => {
    expect(layoutMismatch(layout, ['<start>', '<end>', '<unk>', 'a', 'horse', 'pony', 'field'])).toBeNull();
    expect(layoutMismatch(layout, ['<start>', '<end>', '<unk>', 'a', 'horse', 'donkey', 'field'])).toMatch(/word 5 is "pony" on the map but "donkey"/);
    expect(layoutMismatch(layout, ['<start>', '<end>', '<unk>'])).toMatch(/vocabulary of 7 words, the model has 3/);
  });

  test('the guided group says which of horse, pony, donkey, mule, zebra are missing', () => {
    const g = guidedGroup(index.ofWord);
    expect(g.present).toEqual(['horse', 'pony']);
    expect(g.missing).toEqual(['donkey', 'mule', 'zebra']);
    expect(missingSentence(g.missing)).toBe("Not in this model's vocabulary: donkey, mule and zebra.");
    expect(missingSentence(['horse', 'pony', 'donkey', 'mule', 'zebra'])).toBe("None of horse, pony, donkey, mule or zebra is in this model's vocabulary.");
    expect(missingSentence([])).toBe('');
  });
});

describe('search', () => {
  const words = ['dog', 'dogs', 'hotdog', 'do', 'door', 'cat'];
  const counts = [100, 50, 3, 1000, 20, 70];

  test('an exact match first, then prefix matches by frequency, then other matches', () => {
    expect(searchMatches('dog', words, counts).map((i) => words[i])).toEqual(['dog', 'dogs', 'hotdog']);
    expect(searchMatches('do', words, counts).map((i) => words[i])).toEqual(['do', 'dog', 'dogs', 'door', 'hotdog']);
    expect(searchMatches('  DO ', words, counts, 2).map((i) => words[i])).toEqual(['do', 'dog']);
    expect(searchMatches('', words, counts)).toEqual([]);
    expect(searchMatches('zebra', words, counts)).toEqual([]);
  });
});

describe('geometry and text alternative', () => {
  test('fitTransform centres the box and fills the view up to the padding', () => {
    const t = fitTransform({ x0: 100, x1: 200, y0: 100, y1: 150 }, 600, 400, { padding: 50, maxK: 100 });
    expect(t.k).toBeCloseTo(5); // (600 − 100) / 100
    expect(t.x + t.k * 150).toBeCloseTo(300);
    expect(t.y + t.k * 125).toBeCloseTo(200);
    expect(fitTransform({ x0: 0, x1: 0, y0: 0, y1: 0 }, 600, 400, { maxK: 24 }).k).toBe(24);
  });

  test('describeMap names the selection, neighbours and caption path', () => {
    const s = describeMap({ words: 3070, method: 'UMAP', selected: 'horse', neighbours: ['pony', 'donkey'], path: ['a', 'horse'] });
    expect(s).toContain('Map of 3,070 words');
    expect(s).toContain('Selected: horse; its nearest neighbours are pony and donkey.');
    expect(s).toContain('a → horse');
  });
});
