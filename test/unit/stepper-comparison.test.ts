/** Three decoders side by side, and the decoder settings' parsing. */
import { describe, expect, test } from 'vitest';
import { compareDecoders, decoderSettings, formatLogp } from '../../src/components/views/decoder-comparison';
import { formatAlpha, newSeed, parseSetting } from '../../src/components/views/decoder-controls';
import { traces, WORDS } from './stepper-table-model';

describe('compareDecoders', () => {
  const t = traces();
  const rows = compareDecoders({ traces: t, words: WORDS }, 'sample');

  test('one row per decoder in a fixed order, with the captions', () => {
    expect(rows.map((r) => r.decoder)).toEqual(['greedy', 'sample', 'beam']);
    expect(rows[0]!.caption).toBe('a dog runs on grass');
    expect(rows[2]!.caption).toBe('a grass');
    expect(rows.map((r) => r.active)).toEqual([false, true, false]);
  });

  test('log p is the trace’s, and per token it is divided by the scored tokens (<end> included)', () => {
    for (const r of rows) {
      const trace = t[r.decoder];
      expect(r.logp).toBe(trace.logp);
      expect(r.scored).toBe(trace.steps.length);
      expect(r.perWord).toBeCloseTo(trace.logp / trace.steps.length, 12);
      expect(r.finished).toBe(trace.finished);
    }
    expect(rows[0]!.scored).toBe(6); // five words and <end>
  });

  test('flags the most likely caption (here beam search beats greedy)', () => {
    expect(t.beam.logp).toBeGreaterThan(t.greedy.logp);
    expect(rows.map((r) => r.mostLikely)).toEqual([false, false, true]);
  });

  test('counts forced words', () => {
    const forced = compareDecoders({ traces: traces([3, 4]), words: WORDS }, 'greedy');
    expect(forced.map((r) => r.forced)).toEqual([2, 2, 2]);
    expect(rows.map((r) => r.forced)).toEqual([0, 0, 0]);
  });

  test('states each decoder’s settings', () => {
    expect(decoderSettings(t.sample)).toBe('T = 1, all words, seed 3');
    expect(decoderSettings(t.beam)).toBe('k = 3, α = 0');
    expect(decoderSettings(t.greedy)).toMatch(/most likely word/);
  });
});

test('formatLogp prints a real minus sign', () => {
  expect(formatLogp(-8.214)).toBe('−8.21');
  expect(formatLogp(0)).toBe('0.00');
  expect(formatLogp(-Infinity)).toBe('−∞');
});

describe('decoder settings', () => {
  test('parse with the URL’s own ranges', () => {
    expect(parseSetting('k', '5')).toBe(5);
    expect(parseSetting('k', '11')).toBeUndefined();
    expect(parseSetting('k', '0')).toBeUndefined();
    expect(parseSetting('alpha', '0.7')).toBe(0.7);
    expect(parseSetting('alpha', '3')).toBeUndefined();
    expect(parseSetting('topk', ' 12 ')).toBe(12);
    expect(parseSetting('topk', '-1')).toBeUndefined();
    expect(parseSetting('seed', '1.5')).toBeUndefined();
    expect(parseSetting('seed', 'abc')).toBeUndefined();
  });

  test('Resample always picks another valid seed', () => {
    const MAX = 2 ** 31 - 1;
    expect(newSeed(7, () => 0.5)).toBe(Math.floor(0.5 * MAX) + 1);
    // A random draw that hits the current seed moves on.
    const hit = Math.floor(0.25 * MAX) + 1;
    expect(newSeed(hit, () => 0.25)).not.toBe(hit);
    for (const r of [0, 0.999999999, 0.3]) {
      const s = newSeed(1, () => r);
      expect(parseSetting('seed', String(s))).toBe(s);
    }
  });

  test('α shows one decimal', () => {
    expect(formatAlpha(0)).toBe('0.0');
    expect(formatAlpha(0.7)).toBe('0.7');
  });
});
