import { describe, expect, test } from 'vitest';
import { choicesFor, describeScore, normaliseGuess, rankOf, revealBars, scoreGuess } from '../../src/components/present/quiz-logic';

const words = ['<start>', '<end>', '<unk>', 'a', 'dog', 'cat', 'man', 'runs', 'the', 'grass', 'snow', ...Array.from({ length: 200 }, (_, i) => `w${i}`)];
// Logits: "dog" best, then "man", "a", "cat"; <start> and <unk> masked.
const logits = new Float32Array(words.length).fill(-5);
logits[0] = -Infinity;
logits[2] = -Infinity;
logits[4] = 3;
logits[6] = 2;
logits[3] = 1;
logits[5] = 0.5;
for (let i = 11; i < words.length; i++) logits[i] = -5 - i / 100;
const step = { logits, chosen: 4 };

describe('quiz scoring', () => {
  test('normalises a typed guess to one vocabulary word', () => {
    expect(normaliseGuess('  Dog! ')).toBe('dog');
    expect(normaliseGuess('a dog')).toBe('a');
    expect(normaliseGuess('END')).toBe('<end>');
    expect(normaliseGuess('')).toBe('');
  });

  test('ranks by logit, 1 for the best, 0 for masked', () => {
    expect(rankOf(logits, 4)).toBe(1);
    expect(rankOf(logits, 6)).toBe(2);
    expect(rankOf(logits, 5)).toBe(4);
    expect(rankOf(logits, 0)).toBe(0);
  });

  test('the chosen word scores 3 points with its probability', () => {
    const s = scoreGuess(step, words, 'Dog');
    expect(s).toMatchObject({ guess: 'dog', id: 4, rank: 1, correct: true, points: 3, chosen: 'dog' });
    const z = Array.from(logits).reduce((acc, v) => acc + Math.exp(v), 0);
    expect(s.p).toBeCloseTo(Math.exp(3) / z, 6);
  });

  test('a runner-up scores 2, a word deep in the list 0, an unknown word is said to be unknown', () => {
    expect(scoreGuess(step, words, 'man')).toMatchObject({ rank: 2, correct: false, points: 2 });
    expect(scoreGuess(step, words, 'w150').points).toBe(0);
    const unknown = scoreGuess(step, words, 'zebra');
    expect(unknown).toMatchObject({ id: -1, rank: 0, p: 0, points: 0 });
    expect(describeScore(unknown)).toMatch(/not in the model’s vocabulary.*“dog”/);
    expect(describeScore(scoreGuess(step, words, 'man'))).toMatch(/“man” had probability .* rank 2/);
  });

  test('choices hold the answer, two favourites and one unlikely word, alphabetically', () => {
    const c = choicesFor(step, words);
    expect(c).toHaveLength(4);
    expect(c).toContain('dog');
    expect(c).toContain('man');
    expect(c).toContain('a');
    expect([...c].sort((x, y) => x.localeCompare(y))).toEqual(c);
    expect(c.some((w) => /^w\d+$/.test(w))).toBe(true);
  });

  test('the reveal marks the guess, adding it when it ranked below the bars', () => {
    const bars = revealBars(step, words, scoreGuess(step, words, 'w150'), 4);
    expect(bars.map((b) => b.word).slice(0, 4)).toEqual(['dog', 'man', 'a', 'cat']);
    expect(bars.at(-1)).toMatchObject({ word: 'w150', guessed: true, chosen: false });
    expect(bars.filter((b) => b.guessed)).toHaveLength(1);
    expect(bars.find((b) => b.chosen)?.word).toBe('dog');
  });
});
