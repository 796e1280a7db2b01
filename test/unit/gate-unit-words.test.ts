/** `npm run unit-words`: the per-word means, teacher forcing, and the skip without a dataset. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { teacherForce, UnitWordStats } from '../../src/train/unit-words';
import { START_ID } from '../../src/model/vocab';
import { fakeFeature, loadFixture, maxAbsDiff } from './helpers';

describe('UnitWordStats', () => {
  it('means per input word and unit, highest and lowest first, rare and special words left out', () => {
    const words = ['<start>', '<end>', '<unk>', 'a', 'dog', 'cat', 'rare'];
    const s = new UnitWordStats(words.length, 2);
    // unit 0 after "dog": 0.9, 0.7 → 0.8; after "cat": −0.5 ×2; after "a": 0.1 ×2; "rare" once; <start> twice.
    s.add([4, 4, 5], [0.9, 0, 0.7, 1, -0.5, 2], [0, 0, 0, 0, 0, 0]);
    s.add([5, 3, 3, 6, 0, 0], [-0.5, 0, 0.1, 5, 0.1, 5, 3, 3, 9, 9, 9, 9], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(s.tokens).toBe(9);
    const h = s.lists(words, 'h', 2, 2);
    expect(h.high[0]).toEqual([['dog', 0.8, 2], ['a', 0.1, 2]]);
    expect(h.low[0]).toEqual([['cat', -0.5, 2], ['a', 0.1, 2]]);
    expect(h.high[1]).toEqual([['a', 5, 2], ['cat', 1, 2]]);
    const c = s.lists(words, 'c', 2, 5);
    // c after "a": 1, after "cat": (0 + 1) / 2, after "dog": 0.
    expect(c.high[0]).toEqual([['a', 1, 2], ['cat', 0.5, 2], ['dog', 0, 2]]);
  });
});

describe('teacher forcing', () => {
  it('records h and c after each input, equal to the float64 reference cell run caption by caption', async () => {
    const fx = await loadFixture();
    const H = fx.config.hiddenDim;
    const captions = [
      { feature: fakeFeature(560, 1), tokens: [3, 4, 5] },
      { feature: fakeFeature(560, 2), tokens: [3, 7] },
      { feature: fakeFeature(560, 3), tokens: [3, 4, 6, 3, 7] },
      { feature: fakeFeature(560, 4), tokens: [4, 4, 5] },
    ];
    const stats = new UnitWordStats(fx.config.vocabSize, H);
    let batches = 0;
    teacherForce(fx.tfDecoder, captions, stats, 1000, () => batches++);
    expect(batches).toBe(3); // lengths 3, 2 and 5: one batch each

    const sumH = new Float64Array(fx.config.vocabSize * H);
    const sumC = new Float64Array(fx.config.vocabSize * H);
    const counts = new Float64Array(fx.config.vocabSize);
    for (const cap of captions) {
      let state = { h: new Float64Array(H) as ArrayLike<number>, c: new Float64Array(H) as ArrayLike<number> };
      const img = fx.reference.cell(fx.reference.imageEmbedding(cap.feature), state);
      state = { h: img.h64, c: img.c64 };
      for (const w of [START_ID, ...cap.tokens]) {
        const out = fx.reference.cell(fx.reference.wordEmbedding(w), state);
        state = { h: out.h64, c: out.c64 };
        counts[w]! += 1;
        for (let u = 0; u < H; u++) {
          sumH[w * H + u]! += out.h64[u]!;
          sumC[w * H + u]! += out.c64[u]!;
        }
      }
    }
    expect(Array.from(stats.counts)).toEqual(Array.from(counts));
    expect(stats.tokens).toBe(4 + 3 + 2 + 5 + 3);
    expect(maxAbsDiff(stats.sumH, sumH)).toBeLessThan(1e-4);
    expect(maxAbsDiff(stats.sumC, sumC)).toBeLessThan(1e-4);
  });
});

describe('npm run unit-words', () => {
  it('skips with a clear message, and writes nothing, when the dataset is missing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'unit-words-'));
    try {
      const out = path.join(dir, 'unit-words.json');
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/train/unit-words.ts', '--flickr8k', path.join(dir, 'no-such-dataset'), '--out', out], { cwd: path.resolve(__dirname, '../..') });
      expect(stdout).toMatch(/unit-words: skipped — the Flickr8k dataset .* is not at .*no-such-dataset/);
      const { existsSync } = await import('node:fs');
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
