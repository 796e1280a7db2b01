/** `npm run layout` (src/train/layout.ts) on the committed fixture model, and the shipped layout.json beside it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { layoutForModel, mappedIds } from '../../src/train/layout';
import { parseLayoutFile } from '../../src/model/umap-layout';
import { layoutMismatch } from '../../src/components/views/embedding-layout';

const FIXTURE = path.resolve(__dirname, '../../public/models/fixture');

describe('layout CLI', () => {
  test('maps every word but the three special tokens', () => {
    expect(mappedIds(8)).toEqual([3, 4, 5, 6, 7]);
    expect(mappedIds(2)).toEqual([]);
  });

  test('lays out the fixture (8 words → PCA) with words, ids, counts and categories', async () => {
    const file = await layoutForModel(FIXTURE, { seed: 1 });
    expect(file.model).toBe('fixture');
    expect(file.words).toEqual(['a', 'dog', 'runs', 'on', 'grass']);
    expect(file.settings.method).toBe('pca');
    expect(file.categories[file.category[1]!]).toBe('animals');
    expect(file.categories[file.category[2]!]).toBe('actions');
    expect(file.category[0]).toBe(-1);
    expect(file.x.every((v) => v >= -1 && v <= 1)).toBe(true);
    const again = await layoutForModel(FIXTURE, { seed: 1 });
    expect(again).toEqual(file);
  });

  test('every shipped layout.json parses and matches its model’s vocabulary', () => {
    const current = JSON.parse(readFileSync(path.resolve(__dirname, '../../public/models/current.json'), 'utf8')).decoder as string;
    for (const name of new Set(['fixture', current])) {
      const dir = path.resolve(__dirname, '../../public/models', name);
      let raw: string;
      try {
        raw = readFileSync(path.join(dir, 'layout.json'), 'utf8');
      } catch {
        continue; // a model without a layout: the page computes one live
      }
      const file = parseLayoutFile(JSON.parse(raw));
      const vocab = JSON.parse(readFileSync(path.join(dir, 'vocab.json'), 'utf8')) as { words: string[] };
      expect(layoutMismatch(file, vocab.words), name).toBeNull();
    }
  });
});
