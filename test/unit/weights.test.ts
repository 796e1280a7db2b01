import { describe, expect, it } from 'vitest';
import { loadCaptioner } from '../../src/model/index';
import { greedy } from '../../src/model/search';
import { Vocabulary, tokenize } from '../../src/model/vocab';
import { loadWeights, ModelLoadError, serializeWeights, WEIGHT_NAMES, type FileReader, type TensorQuantization } from '../../src/model/weights';
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
      expect(maxAbsDiff(qBack.weights[spec.name as (typeof WEIGHT_NAMES)[number]].data, fx.weights[spec.name as (typeof WEIGHT_NAMES)[number]].data)).toBeLessThanOrEqual((spec.quantization as TensorQuantization).scale / 2 + 1e-6);
    }
  });

  it('uint8 per slice round-trips within half of each slice\'s step, beats one range per tensor, and keeps 2-D ranges in the shard', async () => {
    const fx = await loadFixture();
    const files = await fixtureFiles();
    // One row of W_e far wider than the rest: a single range would coarsen every other row.
    const weights = structuredClone(fx.weights);
    const E = fx.config.embedDim;
    for (let e = 0; e < E; e++) weights['embedding/We'].data[5 * E + e]! *= 40;
    const load = async (quantization: 'uint8' | 'uint8-slices') => {
      const q = serializeWeights(fx.config, weights, { quantization });
      const qFiles = new Map(files);
      qFiles.set('model.json', new TextEncoder().encode(JSON.stringify(q.modelJson)));
      qFiles.set('weights.bin', q.shard);
      return { q, back: await loadWeights(reader(qFiles)) };
    };
    const tensor = await load('uint8');
    const sliced = await load('uint8-slices');
    const specs = sliced.q.modelJson.weightsManifest[0]!.weights;
    expect(specs.find((s) => s.name === 'embedding/We')!.quantization).toEqual({ dtype: 'uint8', axis: 0 });
    expect(specs.find((s) => s.name === 'lstm/b')!.quantization).toHaveProperty('scale'); // 1-D: one range
    const n = WEIGHT_NAMES.reduce((a, name) => a + weights[name].data.length, 0);
    const slices = specs.reduce((a, s) => a + (s.quantization && 'axis' in s.quantization ? s.shape[s.quantization.axis]! : 0), 0);
    expect(sliced.q.shard.length).toBe(n + 8 * slices);
    for (const name of WEIGHT_NAMES) {
      const original = weights[name];
      const back = sliced.back.weights[name].data;
      const [rows, cols] = original.shape.length === 2 ? (original.shape as [number, number]) : [1, original.data.length];
      const axis = specs.find((s) => s.name === name)!.quantization;
      const along = axis && 'axis' in axis ? axis.axis : null;
      // Every value within half a step of its own slice's range.
      for (let k = 0; k < original.data.length; k++) {
        let lo = Infinity;
        let hi = -Infinity;
        const r = Math.floor(k / cols);
        const c = k % cols;
        for (let j = 0; j < (along === 0 ? cols : along === 1 ? rows : original.data.length); j++) {
          const v = original.data[along === 0 ? r * cols + j : along === 1 ? j * cols + c : j]!;
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        expect(Math.abs(back[k]! - original.data[k]!)).toBeLessThanOrEqual((hi - lo) / 255 / 2 + 1e-6);
      }
    }
    const err = (b: typeof tensor) => maxAbsDiff(b.back.weights['embedding/We'].data.subarray(0, 5 * E), weights['embedding/We'].data.subarray(0, 5 * E));
    expect(err(sliced)).toBeLessThan(err(tensor) / 5);
  });

  it('a malformed quantisation spec is reported, not misread', async () => {
    const files = await fixtureFiles();
    const q = serializeWeights((await loadFixture()).config, (await loadFixture()).weights, { quantization: 'uint8-slices' });
    for (const [bad, message] of [[{ dtype: 'uint8' }, /needs a scale and a min, or an axis/], [{ dtype: 'uint8', axis: 2 }, /axis 0 or 1/], [{ dtype: 'int4', scale: 1, min: 0 }, /unsupported quantization int4/]] as const) {
      const json = structuredClone(q.modelJson);
      (json.weightsManifest[0]!.weights[0] as { quantization: unknown }).quantization = bad;
      const qFiles = new Map(files);
      qFiles.set('model.json', new TextEncoder().encode(JSON.stringify(json)));
      qFiles.set('weights.bin', q.shard);
      const e = await loadError(qFiles);
      expect(e.tensor).toBe('embedding/We');
      expect(e.message).toMatch(message);
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
