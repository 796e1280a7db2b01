/** The image picker's pure parts: class bars, choosing a dropped file, resolving the photo in the state. */
import { describe, expect, test } from 'vitest';
import { classBars, firstImageFile, isOwnImage, resolvePhoto, type PickerPhoto } from '../../src/components/image-picker';

describe('classBars ("what the CNN sees")', () => {
  test('best first, five at most, with the number written beside each bar', () => {
    const classes = [
      { name: 'cat', score: 0.1 },
      { name: 'dog', score: 0.873 },
      { name: 'bicycle', score: 0.55 },
      { name: 'truck', score: 0.3 },
      { name: 'person', score: 0.2 },
      { name: 'kite', score: 0.05 },
    ];
    const bars = classBars(classes);
    expect(bars.map((b) => b.name)).toEqual(['dog', 'bicycle', 'truck', 'person', 'cat']);
    expect(bars[0]).toEqual({ name: 'dog', score: 0.873, percent: 87.3, label: '0.87' });
    expect(classBars(classes, 2)).toHaveLength(2);
  });

  test('clamps bar lengths to 0–100 % but writes the true value, and drops non-numbers', () => {
    const bars = classBars([
      { name: 'a', score: 1.2 },
      { name: 'b', score: -0.1 },
      { name: 'c', score: Number.NaN },
    ]);
    expect(bars.map((b) => [b.name, b.percent, b.label])).toEqual([
      ['a', 100, '1.20'],
      ['b', 0, '-0.10'],
    ]);
    expect(classBars([])).toEqual([]);
  });
});

describe('firstImageFile (drop and paste)', () => {
  const f = (name: string, type: string) => ({ name, type });
  test('prefers an image type, then a name that looks like a photo, then anything', () => {
    expect(firstImageFile([f('notes.txt', 'text/plain'), f('cat.png', 'image/png')])?.name).toBe('cat.png');
    expect(firstImageFile([f('notes.txt', 'text/plain'), f('IMG_0001.HEIC', '')])?.name).toBe('IMG_0001.HEIC');
    expect(firstImageFile([f('notes.txt', 'text/plain')])?.name).toBe('notes.txt'); // the checks will explain
    expect(firstImageFile([])).toBeNull();
  });
});

describe('resolvePhoto', () => {
  const examples: PickerPhoto[] = [
    { id: 'dog', file: 'dog.jpg', shows: 'a dog', credit: 'c' },
    { id: 'kite', file: 'kite.jpg', shows: 'kites', credit: 'c' },
  ];
  test('an example id shows that example', () => {
    expect(resolvePhoto('kite', examples, null)).toEqual({ kind: 'example', photo: examples[1] });
  });
  test("the reader's own image only when this tab holds it", () => {
    expect(isOwnImage('upload') && isOwnImage('webcam') && !isOwnImage('dog')).toBe(true);
    expect(resolvePhoto('upload', examples, 'upload')).toEqual({ kind: 'own', own: 'upload' });
    expect(resolvePhoto('webcam', examples, 'upload')).toMatchObject({ kind: 'fallback', message: expect.stringMatching(/cannot carry your own photo/) });
    expect(resolvePhoto('upload', examples, null).kind).toBe('fallback');
  });
  test('an unknown id falls back, quoting it (shortened)', () => {
    const r = resolvePhoto('x'.repeat(60), examples, null);
    expect(r).toMatchObject({ kind: 'fallback', message: expect.stringContaining(`“${'x'.repeat(40)}”`) });
  });
});
