import { describe, expect, it } from 'vitest';
import { loadCaptioner } from '../../src/model/index';
import { greedy } from '../../src/model/search';
import { Vocabulary, tokenize } from '../../src/model/vocab';
import { loadWeights, ModelLoadError, serializeWeights, WEIGHT_NAMES, type FileReader } from '../../src/model/weights';
import { fakeFeature, loadFixture, maxAbsDiff } from './helpers';

/** An in-memory model folder whose files a test can damage. */
async function fixtureFiles(): Promise<Map<string, Uint8Array>> {
  const fx = await loadFixture();
  const { modelJson, shard } = serializeWeights(fx.config, fx.weights);
  return new Map([
    ['model.json', new TextEncoder().encode(JSON.stringify(modelJson))],
    ['weights.bin', shard],
    ['vocab.json', new TextEncoder().encode(JSON.stringify(fx.vocab.toJSON()))],
  ]);
}
const reader = (files: Map<string, Uint8Array>): FileReader => async (name) => {
  const f = files.get(name);
  if (!f) throw new Error('404 Not Found');
  return f.slice().buffer;
};
async function loadError(files: Map<string, Uint8Array>): Promise<ModelLoadError> {
  try {
    await loadCaptioner(reader(files));
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    return e as ModelLoadError;
  }
  throw new Error('expected the load to fail');
}

describe('weights I/O', () => {
  it('round-trips float32 exactly and uint8 within half a quantisation step', async () => {
    const fx = await loadFixture();
    const files = await fixtureFiles();
    const back = await loadWeights(reader(files));
    for (const name of WEIGHT_NAMES) expect(back.weights[name].data).toEqual(fx.weights[name].data);

    const q = serializeWeights(fx.config, fx.weights, { quantization: 'uint8' });
    expect(q.shard.length * 4).toBeLessThan(files.get('weights.bin')!.length + 4 * 8 * 4);
    const qFiles = new Map(files);
    qFiles.set('model.json', new TextEncoder().encode(JSON.stringify(q.modelJson)));
    qFiles.set('weights.bin', q.shard);
    const qBack = await loadWeights(reader(qFiles));
    for (const spec of q.modelJson.weightsManifest[0]!.weights) {
      expect(maxAbsDiff(qBack.weights[spec.name as (typeof WEIGHT_NAMES)[number]].data, fx.weights[spec.name as (typeof WEIGHT_NAMES)[number]].data)).toBeLessThanOrEqual(spec.quantization!.scale / 2 + 1e-6);
    }
  });

  it('a loaded captioner decodes like the in-memory weights', async () => {
    const fx = await loadFixture();
    const cap = await loadCaptioner(reader(await fixtureFiles()));
    const f = fakeFeature(560, 4);
    expect(greedy(cap.decoder, f, { maxLength: 10 }).steps.map((s) => s.chosen)).toEqual(greedy(fx.tfDecoder, f, { maxLength: 10 }).steps.map((s) => s.chosen));
    cap.decoder.dispose();
  });

  it('a missing shard names the file', async () => {
    const files = await fixtureFiles();
    files.delete('weights.bin');
    const e = await loadError(files);
    expect(e.file).toBe('weights.bin');
    expect(e.message).toMatch(/weights\.bin.*could not be read.*404/);
  });

  it('a truncated shard names the file and the tensor', async () => {
    const files = await fixtureFiles();
    // Cut the shard in the middle of lstm/Wh: the sizes of the tensors before it, plus a few bytes.
    const specs = JSON.parse(new TextDecoder().decode(files.get('model.json')!)).weightsManifest[0].weights as { name: string; shape: number[] }[];
    const before = specs.slice(0, specs.findIndex((s) => s.name === 'lstm/Wh')).reduce((a, s) => a + 4 * s.shape.reduce((x, y) => x * y, 1), 0);
    files.set('weights.bin', files.get('weights.bin')!.slice(0, before + 100));
    const e = await loadError(files);
    expect(e.file).toBe('weights.bin');
    expect(e.tensor).toBe('lstm/Wh');
    expect(e.message).toMatch(/truncated.*lstm\/Wh/);
  });

  it('corrupt bytes (NaN) and corrupt JSON are reported', async () => {
    const files = await fixtureFiles();
    const bin = files.get('weights.bin')!.slice();
    new DataView(bin.buffer).setFloat32(bin.length - 8, NaN, true);
    files.set('weights.bin', bin);
    expect((await loadError(files)).tensor).toBe('output/bo');

    const files2 = await fixtureFiles();
    files2.set('model.json', new TextEncoder().encode('{"format": "show-and-tell-dec'));
    const e = await loadError(files2);
    expect(e.file).toBe('model.json');
    expect(e.message).toMatch(/not valid JSON/);
  });

  it('a shape mismatch names the tensor and the file', async () => {
    const files = await fixtureFiles();
    const json = JSON.parse(new TextDecoder().decode(files.get('model.json')!));
    json.weightsManifest[0].weights[4].shape = [7, 24];
    files.set('model.json', new TextEncoder().encode(JSON.stringify(json)));
    const e = await loadError(files);
    expect(e.tensor).toBe('lstm/Wh');
    expect(e.message).toMatch(/lstm\/Wh.*model\.json.*\[7,24\].*\[6,24\]/);
  });

  it('a vocabulary of the wrong size is refused', async () => {
    const files = await fixtureFiles();
    files.set('vocab.json', new TextEncoder().encode(JSON.stringify({ words: ['<start>', '<end>', '<unk>', 'a'] })));
    expect((await loadError(files)).file).toBe('vocab.json');
  });
});

describe('vocabulary', () => {
  it('tokenises as design.md §5 says', () => {
    expect(tokenize("A dog's ball, in the U.K.!  Two-3")).toEqual(['a', 'dog', 's', 'ball', 'in', 'the', 'u', 'k', 'two', '3']);
  });
  it('builds with a minimum count, keeps special tokens first, and round-trips JSON', () => {
    const v = Vocabulary.build([['a', 'dog'], ['a', 'cat'], ['a', 'dog', 'runs']], 2);
    expect(v.words).toEqual(['<start>', '<end>', '<unk>', 'a', 'dog']);
    expect(v.encode(['a', 'cat'])).toEqual([3, 2]);
    expect(v.decode([0, 3, 4, 1, 3])).toEqual(['a', 'dog']);
    expect(Vocabulary.fromJSON(JSON.parse(JSON.stringify(v.toJSON()))).words).toEqual(v.words);
  });
});
