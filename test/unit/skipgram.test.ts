import { describe, expect, it } from 'vitest';
import { neighbourRank, normaliseRows } from '../../src/model/neighbours';
import { mulberry32 } from '../../src/model/prng';
import { DEFAULT_SKIPGRAM, trainSkipgram } from '../../src/train/skipgram';

describe('skip-gram probe', () => {
  it('words that share contexts end up nearest each other; the same seed gives the same vectors', () => {
    // Two animal pairs that never share a sentence with each other's contexts.
    const words = ['<start>', '<end>', '<unk>', 'horse', 'pony', 'cat', 'kitten', 'a', 'runs', 'in', 'field', 'sleeps', 'on', 'sofa', 'grazes', 'purrs'];
    const id = (w: string) => words.indexOf(w);
    const random = mulberry32(4);
    const sentences: number[][] = [];
    for (let n = 0; n < 1500; n++) {
      const outdoor = random() < 0.5;
      const animal = outdoor ? (random() < 0.5 ? 'horse' : 'pony') : random() < 0.5 ? 'cat' : 'kitten';
      const rest = outdoor ? (random() < 0.5 ? ['runs', 'in', 'a', 'field'] : ['grazes', 'in', 'a', 'field']) : random() < 0.5 ? ['sleeps', 'on', 'a', 'sofa'] : ['purrs', 'on', 'a', 'sofa'];
      sentences.push(['a', animal, ...rest].map(id));
    }
    // No sub-sampling: in a 16-word corpus every word is "frequent".
    const settings = { ...DEFAULT_SKIPGRAM, dim: 16, epochs: 5, sample: 1 };
    const vectors = trainSkipgram(sentences, words.length, settings);
    const unit = normaliseRows(vectors, settings.dim);
    const rank = (a: string, b: string) => neighbourRank(unit, settings.dim, words, id(a), id(b));
    const animals = (a: string, b: string) => {
      // Rank among the other three animals only: 1 = nearest of them.
      const others = ['horse', 'pony', 'cat', 'kitten'].filter((w) => w !== a);
      return others.filter((o) => rank(a, o) < rank(a, b)).length + 1;
    };
    expect(animals('horse', 'pony')).toBe(1);
    expect(animals('cat', 'kitten')).toBe(1);
    expect(rank('horse', 'cat')).toBeGreaterThan(rank('horse', 'pony'));
    expect(trainSkipgram(sentences, words.length, settings)).toEqual(vectors);
  });
});
