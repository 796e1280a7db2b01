/** scripts/prepare-test-images.mjs: which Flickr8k test images the gallery gets, and the files it writes. */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { datasetDir, parseCaptions, parseSources, prepareTestImages, selectTestImages } from '../../scripts/prepare-test-images.mjs';

const sources = parseSources('file\twidth\theight\tkind\na.jpg\t341\t256\toriginal-resized\nb.jpg\t224\t224\t224x224-fallback\nc.jpg\t256\t300\toriginal-resized\nd.jpg\t256\t256\toriginal-resized\n');
const five = (f: string) => [0, 1, 2, 3, 4].map((n) => `${f}#${n}\tcaption ${n} of ${f} .`).join('\n');
const captions = parseCaptions([five('a.jpg'), five('b.jpg'), five('c.jpg'), 'd.jpg#0\tonly one .'].join('\n'));

describe('selection', () => {
  test('test images in split order, true aspect ratio only, all five captions', () => {
    const picked = selectTestImages(['b.jpg', 'c.jpg', 'd.jpg', 'a.jpg'], sources, captions, 12);
    expect(picked.map((p: { file: string }) => p.file)).toEqual(['c.jpg', 'a.jpg']);
    expect(picked[0]).toEqual({ id: 'c', file: 'c.jpg', width: 256, height: 300, references: [0, 1, 2, 3, 4].map((n) => `caption ${n} of c.jpg.`) });
    expect(selectTestImages(['b.jpg', 'c.jpg', 'a.jpg'], sources, captions, 1)).toHaveLength(1);
  });

  test('dataset folder: FLICKR8K_DIR wins over ../shared/data/flickr8k', () => {
    expect(datasetDir({ FLICKR8K_DIR: '/data/f8k' }, '/p')).toBe('/data/f8k');
    expect(datasetDir({}, '/x/p')).toBe('/x/shared/data/flickr8k');
  });
});

describe('prepareTestImages', () => {
  test('copies the chosen images and writes index.json; removes stale files', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'f8k-'));
    mkdirSync(path.join(dir, 'splits'));
    mkdirSync(path.join(dir, 'images'));
    writeFileSync(path.join(dir, 'splits/test.txt'), 'c.jpg\na.jpg\n');
    writeFileSync(path.join(dir, 'image_sources.tsv'), 'file\twidth\theight\tkind\na.jpg\t341\t256\toriginal-resized\nc.jpg\t256\t300\toriginal-resized\n');
    writeFileSync(path.join(dir, 'captions.txt'), [five('a.jpg'), five('c.jpg')].join('\n'));
    for (const f of ['a.jpg', 'c.jpg']) writeFileSync(path.join(dir, 'images', f), `bytes of ${f}`);
    const out = path.join(dir, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'stale.jpg'), 'old');
    const n = await prepareTestImages({ dir, out, count: 12, log: () => {} });
    expect(n).toBe(2);
    expect(readdirSync(out).sort()).toEqual(['a.jpg', 'c.jpg', 'index.json']);
    const index = JSON.parse(readFileSync(path.join(out, 'index.json'), 'utf8'));
    expect(index.images.map((i: { id: string }) => i.id)).toEqual(['c', 'a']);
    expect(index.source).toMatch(/Hodosh/);
    expect(readFileSync(path.join(out, 'a.jpg'), 'utf8')).toBe('bytes of a.jpg');
  });

  test('without the dataset it writes nothing and says so', async () => {
    const logs: string[] = [];
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'f8k-')), 'out');
    expect(await prepareTestImages({ dir: '/nonexistent/flickr8k', out, log: (s: string) => logs.push(s) })).toBe(0);
    expect(logs.join('')).toMatch(/no Flickr8k dataset/);
    expect(() => readdirSync(out)).toThrow();
  });
});
