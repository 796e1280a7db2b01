import { describe, expect, test } from 'vitest';
import { barChartLayout, exportFileName, stampLines } from '../../src/lib/figure-export';
import { copyText, shareLink } from '../../src/lib/share';
import { DEFAULT_STATE } from '../../src/state/state';

describe('copy link', () => {
  test('uses the clipboard when it works', async () => {
    const written: string[] = [];
    await expect(copyText('https://x.org/?k=5', { writeText: async (t) => void written.push(t) })).resolves.toBe(true);
    expect(written).toEqual(['https://x.org/?k=5']);
  });

  test('falls back (false) when the clipboard is missing or refuses', async () => {
    await expect(copyText('a', undefined)).resolves.toBe(false);
    await expect(copyText('a', { writeText: () => Promise.reject(new Error('denied')) })).resolves.toBe(false);
  });

  test('the link keeps the state and swaps the fragment for a safe anchor', () => {
    expect(shareLink('https://x.org/?photo=kite&step=2#old', 'beam-tree')).toBe('https://x.org/?photo=kite&step=2#beam-tree');
    expect(shareLink('https://x.org/?step=2#old')).toBe('https://x.org/?step=2');
    expect(shareLink('https://x.org/?step=2', '"><img>')).toBe('https://x.org/?step=2');
  });
});

describe('figure export', () => {
  const state = { ...DEFAULT_STATE, photo: 'kite', k: 5, alpha: 0, step: 2, force: ['a', 'man'] };

  test('stamps what the figure shows and the link that reproduces it', () => {
    const lines = stampLines('Beam search', state, 'https://x.org/?photo=kite&k=5', 'a man flies a kite');
    expect(lines[0]).toBe('Beam search — Show and Tell, live');
    expect(lines[1]).toBe('photo: kite · beam search, k = 5, α = 0 · step t = 2 · forced: a man');
    expect(lines).toContain('caption: a man flies a kite');
    expect(lines.at(-1)).toBe('https://x.org/?photo=kite&k=5');
    expect(stampLines('x', { ...DEFAULT_STATE, decoder: 'sample', step: -1 }, 'l')[1]).toBe('photo: dog · sampling, T = 1, top-k = all, seed 1 · image step (t = −1)');
  });

  test('file names say what they hold and are safe', () => {
    expect(exportFileName('Beam tree', state, 'svg')).toBe('beam-tree_kite_beam-k5_t2.svg');
    expect(exportFileName('../p_t bars', { ...DEFAULT_STATE, decoder: 'sample', step: -1 }, 'png')).toBe('p-t-bars_dog_sample-s1_timg.png');
  });

  test('bar lengths are proportional to p, the largest filling the track', () => {
    const l = barChartLayout([{ word: 'dog', p: 0.5, marked: true }, { word: 'cat', p: 0.25 }, { word: 'w', p: 0.00001 }], 520);
    expect(l.bars[0]!.width).toBeCloseTo(2 * l.bars[1]!.width, 6);
    expect(l.bars[0]!.width).toBe(520 - l.labelWidth - 70);
    expect(l.bars.map((b) => b.label)).toEqual(['50.0 %', '25.0 %', '1.0e-5']);
    expect(l.bars[0]!.marked).toBe(true);
    expect(l.height).toBe(3 * 22 + 8);
  });
});
