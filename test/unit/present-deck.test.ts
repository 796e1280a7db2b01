import { describe, expect, test } from 'vitest';
import { defaultDeck, keyAction, nextIndex, parseDeck, SLIDES, slideIndex } from '../../src/components/present/deck-logic';

describe('classroom keys', () => {
  test('clicker keys move slides, arrows step, letters jump', () => {
    expect(keyAction('PageDown')).toEqual({ kind: 'slide', delta: 1 });
    expect(keyAction('PageUp')).toEqual({ kind: 'slide', delta: -1 });
    expect(keyAction('ArrowRight')).toEqual({ kind: 'step', delta: 1 });
    expect(keyAction('b')).toEqual({ kind: 'goto', slide: 'beam', patch: { decoder: 'beam' } });
    expect(keyAction('S')).toEqual({ kind: 'goto', slide: 'stepper', patch: { decoder: 'sample' } });
    expect(keyAction('g')).toMatchObject({ slide: 'gates' });
    expect(keyAction('e')).toMatchObject({ slide: 'embeddings' });
    expect(keyAction('b', { ctrl: true })).toBeNull();
    expect(keyAction('x')).toBeNull();
  });

  test('slides stay within the deck', () => {
    expect(nextIndex(0, -1, 6)).toBe(0);
    expect(nextIndex(5, 1, 6)).toBe(5);
    expect(nextIndex(2, 1, 6)).toBe(3);
    expect(slideIndex('beam')).toBe(SLIDES.findIndex((s) => s.id === 'beam'));
  });
});

describe('saved slide orders', () => {
  const page = 'https://example.org/present';

  test('reads one state link per line, skipping blanks and comments', () => {
    const deck = parseDeck(['/present?photo=kite&slide=3', '', '# a comment', 'https://example.org/present?k=5&step=2'].join('\n'), page);
    expect(deck.errors).toEqual([]);
    expect(deck.entries).toHaveLength(2);
    expect(deck.entries[0]!.state).toMatchObject({ photo: 'kite', slide: 3 });
    expect(deck.entries[1]!.state).toMatchObject({ k: 5, step: 2, slide: 0 });
    expect(deck.entries[0]!.href).toBe('/present?photo=kite&slide=3');
  });

  test('refuses links to other sites and other pages, and says why; bad values fall back with a note', () => {
    const deck = parseDeck(['https://evil.example/present?slide=1', '/explore?slide=1', '/present?k=99'].join('\n'), page);
    expect(deck.entries).toHaveLength(1);
    expect(deck.entries[0]!.state.k).toBe(3);
    expect(deck.errors).toHaveLength(3);
    expect(deck.errors[0]).toMatch(/Line 1 links outside/);
    expect(deck.errors[1]).toMatch(/Line 2 links outside/);
    expect(deck.errors[2]).toMatch(/Line 3: .*beam width/);
  });

  test('the default deck is one link per built-in slide and parses back to the same slides', () => {
    const text = defaultDeck('/present');
    const deck = parseDeck(text, page);
    expect(deck.errors).toEqual([]);
    expect(deck.entries.map((e) => e.state.slide)).toEqual(SLIDES.map((_, i) => i));
  });
});
