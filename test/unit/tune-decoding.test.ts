import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BEAM } from '../../src/model/search';
import { DEFAULT_STATE } from '../../src/state/state';
import { chooseAlpha, type TuningRow } from '../../src/train/tune-decoding';

const row = (alpha: number, bleu4: number): TuningRow => ({ alpha, metrics: { 'BLEU-4': bleu4, 'CIDEr-D': 0.3 }, words: 9 });

describe('length-normalisation tuning', () => {
  it('chooses the best dev BLEU-4, ties to the smaller α', () => {
    expect(chooseAlpha([row(0, 0.15), row(0.4, 0.17), row(0.8, 0.16)])).toBe(0.4);
    expect(chooseAlpha([row(0.6, 0.17), row(0.2, 0.17), row(0, 0.1)])).toBe(0.2);
    expect(() => chooseAlpha([])).toThrow();
  });

  const file = 'public/models/eval/decoding-tuning.json';
  it.skipIf(!existsSync(file))('the shipped default α is the one tuned on dev for the shipped model', () => {
    const tuning = JSON.parse(readFileSync(file, 'utf8'));
    const current = JSON.parse(readFileSync('public/models/current.json', 'utf8')).decoder as string;
    expect(tuning.model).toBe(`public/models/${current}`);
    expect(tuning.split).toBe('Flickr8k dev');
    expect(tuning.chosen.alpha).toBe(chooseAlpha(tuning.rows));
    expect(DEFAULT_BEAM.alpha).toBe(tuning.chosen.alpha);
    expect(DEFAULT_STATE.alpha).toBe(DEFAULT_BEAM.alpha);
  });
});
