/**
 * The text-only skip-gram vectors shipped beside the decoder (src/model/text-embedding.ts), their map
 * (`npm run layout -- --space text`) and the neighbours CLI's `--space text`.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeTextMethod, rankComparison } from '../../src/components/views/embedding-layout';
import { nearest, neighbourRank, normaliseRows } from '../../src/model/neighbours';
import { decodeTextEmbedding, encodeTextEmbedding, layoutFileName, loadTextEmbedding, parseTextEmbeddingJson, TextEmbeddingError } from '../../src/model/text-embedding';
import { gaussian, mulberry32 } from '../../src/model/prng';
import { parseLayoutFile } from '../../src/model/umap-layout';
import { Vocabulary } from '../../src/model/vocab';
import { parseState, serializeState, DEFAULT_STATE } from '../../src/state/state';
import { embeddingRows, layoutForModel } from '../../src/train/layout';
import { neighboursBlock } from '../../src/train/model-card';
import { loadFixture } from './helpers';
import { fsReader } from '../../src/train/node-files';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(ROOT, 'public/models/fixture');

function randomVectors(rows: number, dim: number, seed: number): Float32Array {
  const g = gaussian(mulberry32(seed));
  return Float32Array.from({ length: rows * dim }, () => g());
}

describe('the int8 file format', () => {
  test('round trip keeps every row’s direction: cosines within 0.002, and a zero row stays zero', () => {
    const V = 50;
    const dim = 32;
    const v = randomVectors(V, dim, 3);
    v.fill(0, 7 * dim, 8 * dim);
    const { json, bin } = encodeTextEmbedding(v, V, dim, { window: 2 });
    expect(bin.length).toBe(4 * V + V * dim);
    const back = decodeTextEmbedding(parseTextEmbeddingJson(JSON.parse(JSON.stringify(json))), bin.buffer as ArrayBuffer);
    expect(Array.from(back.subarray(7 * dim, 8 * dim)).every((x) => x === 0)).toBe(true);
    const a = normaliseRows(v, dim);
    const b = normaliseRows(back, dim);
    for (let r = 0; r < V; r++) {
      if (r === 7) continue;
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += a[r * dim + k]! * b[r * dim + k]!;
      expect(dot, `row ${r}`).toBeGreaterThan(0.998);
    }
  });

  test('bad files are named: wrong format, a path for a file name, a truncated shard, a size mismatch', () => {
    const { json, bin } = encodeTextEmbedding(randomVectors(10, 4, 1), 10, 4, {});
    expect(() => parseTextEmbeddingJson({ ...json, format: 'x' })).toThrow(/format must be/);
    expect(() => parseTextEmbeddingJson({ ...json, file: '../weights.bin' })).toThrow(/plain file name/);
    expect(() => parseTextEmbeddingJson({ ...json, dim: 0 })).toThrow(/"dim" must be a positive integer/);
    expect(() => decodeTextEmbedding(json, bin.buffer.slice(0, 50) as ArrayBuffer)).toThrow(/truncated or from another model/);
    expect(() => encodeTextEmbedding(new Float32Array(7), 2, 4, {})).toThrow(TextEmbeddingError);
    const nan = randomVectors(2, 4, 1);
    nan[5] = NaN;
    expect(() => encodeTextEmbedding(nan, 2, 4, {})).toThrow(/non-finite/);
  });

  test('each space has its own shipped map file', () => {
    expect(layoutFileName('decoder')).toBe('layout.json');
    expect(layoutFileName('text')).toBe('text-layout.json');
  });
});

describe('the text space in the map’s tools (fixture model with made-up text vectors)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'text-emb-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(FIXTURE, dir, { recursive: true });
  const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(dir, 'vocab.json'), 'utf8')));
  const dim = 6;
  const vectors = randomVectors(vocab.size, dim, 9);
  const { json, bin } = encodeTextEmbedding(vectors, vocab.size, dim, { dim, window: 2, epochs: 15, sentences: 1234 });
  writeFileSync(path.join(dir, 'text-embedding.json'), JSON.stringify(json));
  writeFileSync(path.join(dir, json.file), bin);

  test('embeddingRows reads W_e for the decoder and the shipped vectors for text', async () => {
    const text = await embeddingRows(dir, 'text');
    expect(text.dim).toBe(dim);
    expect(Array.from(text.vectors)).toEqual(Array.from((await loadTextEmbedding(fsReader(dir), vocab.size)).vectors));
    await expect(loadTextEmbedding(fsReader(dir), vocab.size + 1)).rejects.toThrow(`covers ${vocab.size} words, but the model's vocabulary has ${vocab.size + 1}`);
    await expect(loadTextEmbedding(fsReader(path.join(dir, 'nowhere')), vocab.size)).rejects.toThrow(/text-embedding.json could not be read/);
    const decoder = await embeddingRows(dir, 'decoder');
    expect(decoder.dim).not.toBe(dim);
  });

  test('layout --space text lays out the text vectors, marked as such, reproducibly', async () => {
    const a = await layoutForModel(dir, { seed: 1 }, undefined, 'text');
    expect(parseLayoutFile(JSON.parse(JSON.stringify(a))).embedding).toBe('text');
    expect(a.words).toEqual(vocab.words.slice(3));
    expect(await layoutForModel(dir, { seed: 1 }, undefined, 'text')).toEqual(a);
    const d = await layoutForModel(dir, { seed: 1 });
    expect(d.embedding).toBeUndefined();
    expect(d.x).not.toEqual(a.x);
    expect(() => parseLayoutFile({ ...a, embedding: 'pictures' })).toThrow(/unknown "embedding"/);
  });

  test('neighbors --space text answers from the text vectors; a bad --space is refused', () => {
    const out = JSON.parse(execFileSync('npx', ['tsx', 'src/train/neighbors.ts', '--json', '--model', dir, '--space', 'text', '--k', '3', 'dog'], { cwd: ROOT, encoding: 'utf8' })) as { word: string; cosine: number }[];
    const unit = normaliseRows(decodeTextEmbedding(json, bin.buffer as ArrayBuffer), dim);
    expect(out.map((n) => n.word)).toEqual(nearest(unit, dim, vocab.words, vocab.id('dog'), 3).map((n) => n.word));
    expect(() => execFileSync('npx', ['tsx', 'src/train/neighbors.ts', '--model', dir, '--space', 'pictures', 'dog'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' })).toThrow(/--space must be decoder or text/);
  });
});

describe('what the page says about the spaces', () => {
  test('describeTextMethod reads the training settings, and tolerates a bare record', () => {
    expect(describeTextMethod({ dim: 256, window: 2, epochs: 15, sentences: 198043 })).toBe('Skip-gram (word2vec with negative sampling): 256 dimensions, a window of 2 words either side, 15 epochs, 198,043 captions.');
    expect(describeTextMethod({ dim: 'x' })).toBe('Skip-gram (word2vec with negative sampling).');
  });

  test('rankComparison pairs the first word’s partners with their rank in each space', () => {
    expect(rankComparison(['horse', 'pony', 'donkey'], [0, 1365, 340], [0, 5, 6])).toEqual([
      { word: 'pony', decoder: 1365, text: 5 },
      { word: 'donkey', decoder: 340, text: 6 },
    ]);
    expect(rankComparison(['horse', 'pony'], null, [0, 5])).toEqual([{ word: 'pony', decoder: null, text: 5 }]);
  });

  test('the space is part of the link: text round-trips, the default is left out, a bad value falls back with a note', () => {
    expect(parseState('?embedding=text').state.embedding).toBe('text');
    expect(serializeState({ ...DEFAULT_STATE, embedding: 'text' })).toContain('embedding=text');
    expect(serializeState(DEFAULT_STATE)).not.toContain('embedding');
    const bad = parseState('?embedding=pictures');
    expect(bad.state.embedding).toBe('decoder');
    expect(bad.notes.join(' ')).toMatch(/embedding map/);
  });
});

describe('the shipped text-only vectors', () => {
  const current = JSON.parse(readFileSync(path.join(ROOT, 'public/models/current.json'), 'utf8')).decoder as string;
  const dir = path.join(ROOT, 'public/models', current);
  test.runIf(existsSync(path.join(dir, 'text-embedding.json')))('cover the model’s vocabulary, and put pony and donkey among horse’s 10 nearest (the map’s claim)', async () => {
    const { vectors, dim } = await embeddingRows(dir, 'text');
    const vocab = Vocabulary.fromJSON(JSON.parse(readFileSync(path.join(dir, 'vocab.json'), 'utf8')));
    expect(vectors.length).toBe(vocab.size * dim);
    const unit = normaliseRows(vectors, dim);
    for (const w of ['pony', 'donkey']) expect(neighbourRank(unit, dim, vocab.words, vocab.id('horse'), vocab.id(w)), w).toBeLessThanOrEqual(10);
    const layout = parseLayoutFile(JSON.parse(readFileSync(path.join(dir, 'text-layout.json'), 'utf8')));
    expect(layout.embedding).toBe('text');
    expect(layout.words).toEqual(vocab.words.slice(3));
  });
});

describe('the model card’s pair table', () => {
  test('gains a column from the text-only vectors, with the ranks `neighbors --space text` computes', async () => {
    const { tfDecoder, vocab } = await loadFixture();
    const captioner = { decoder: tfDecoder, vocab, meta: {} };
    const dim = 4;
    const vectors = randomVectors(vocab.size, dim, 2);
    const plain = neighboursBlock(captioner, ['dog-grass', 'dog-zebra']);
    expect(plain).toContain("| word | partner | partner's rank among the word's nearest (cosine of W_e rows) |");
    expect(plain).not.toContain('zebra'); // pairs with a word outside the vocabulary are left out
    const both = neighboursBlock(captioner, ['dog-grass'], { vectors, dim });
    const textRank = neighbourRank(normaliseRows(vectors, dim), dim, vocab.words, vocab.id('dog'), vocab.id('grass'));
    const row = both.split('\n').find((l) => l.startsWith('| dog | grass |'))!;
    expect(row.endsWith(` ${textRank} |`)).toBe(true);
    expect(both).toContain('`--space text`');
    tfDecoder.dispose();
  });
});
