/** public/examples/CREDITS.md is the single source of the photo list and credits shown on the site. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { examplePhotos, parseCreditsMarkdown, resolveSameAsAbove } from '../../src/lib/credits';

const EXAMPLES = 'public/examples';

describe('parseCreditsMarkdown', () => {
  test('reads headings, paragraphs and a pipe table as plain text', () => {
    const md = '# Title `x`\n\nOne line\nand **two**.\n\n| a | b |\n|---|:---:|\n| 1 | <b>2</b> |\n';
    expect(parseCreditsMarkdown(md)).toEqual([
      { kind: 'heading', level: 1, text: 'Title x' },
      { kind: 'paragraph', text: 'One line and two.' },
      // Markup in the file stays text: Astro escapes it when rendering.
      { kind: 'table', columns: ['a', 'b'], rows: [['1', '<b>2</b>']] },
    ]);
  });

  test('rejects a table without a separator row', () => {
    expect(() => parseCreditsMarkdown('| a |\n| b |\n')).toThrow(/separator/);
  });

  test('spells out "same as above" from the row before', () => {
    const photos = resolveSameAsAbove([
      { file: 'a.jpg', shows: '', source: '', licence: 'MIT' },
      { file: 'b.jpg', shows: '', source: '', licence: 'same as above' },
    ]);
    expect(photos.map((p) => p.licence)).toEqual(['MIT', 'MIT']);
  });
});

describe('the shipped example photos', () => {
  const photos = resolveSameAsAbove(examplePhotos(parseCreditsMarkdown(readFileSync(`${EXAMPLES}/CREDITS.md`, 'utf8'))));

  test('every photo in public/examples has a credit, and every credit a photo', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.jpg')).sort();
    expect(files).toHaveLength(16);
    expect(photos.map((p) => p.file).sort()).toEqual(files);
  });

  test('every photo says what it shows (its alt text) and has a licence', () => {
    for (const p of photos) {
      expect(p.shows, p.file).not.toBe('');
      expect(p.licence, p.file).toMatch(/[a-z]/i);
      expect(p.licence, p.file).not.toMatch(/same as above/i);
    }
  });
});
