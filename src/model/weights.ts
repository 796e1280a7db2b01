/**
 * Decoder weights: names, shapes, initialisation, and the on-disk format.
 *
 * Format (documented in README "Model files"): a tfjs-style weights manifest. `model.json` holds the
 * config and `weightsManifest: [{ paths: ["weights.bin"], weights: [{ name, shape, dtype: "float32",
 * quantization?: { dtype: "uint8", scale, min } | { dtype: "uint8", axis } }] }]`; the shard is the
 * tensors' bytes back to back in manifest order: little-endian float32, or one byte per value when
 * uint8-quantised (value = q·scale + min). With `axis` (a 2-D tensor quantised per slice: per row for
 * axis 0, per column for axis 1) the bytes are preceded by the S slices' scales, then their mins, as
 * little-endian float32.
 * Pure TypeScript: no tfjs, no DOM, no Node — Node and the page read the same files.
 */
import { gaussian, mulberry32 } from './prng';

export interface DecoderConfig {
  vocabSize: number;
  embedDim: number;
  hiddenDim: number;
  featureDim: number;
}

export interface Weight {
  shape: number[];
  data: Float32Array;
}
export type WeightSet = Record<WeightName, Weight>;

/** Gate order inside the 4H blocks of W_x, W_h and b. */
export const GATE_ORDER = ['i', 'f', 'o', 'g'] as const;

export const WEIGHT_NAMES = ['embedding/We', 'image/Wi', 'image/bi', 'lstm/Wx', 'lstm/Wh', 'lstm/b', 'output/Wo', 'output/bo'] as const;
export type WeightName = (typeof WEIGHT_NAMES)[number];

export function weightShapes(c: DecoderConfig): Record<WeightName, number[]> {
  const H4 = 4 * c.hiddenDim;
  return {
    'embedding/We': [c.vocabSize, c.embedDim],
    'image/Wi': [c.featureDim, c.embedDim],
    'image/bi': [c.embedDim],
    'lstm/Wx': [c.embedDim, H4],
    'lstm/Wh': [c.hiddenDim, H4],
    'lstm/b': [H4],
    'output/Wo': [c.hiddenDim, c.vocabSize],
    'output/bo': [c.vocabSize],
  };
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Seeded initialisation: Glorot-scaled normals, zero biases except the forget gate's (1), which helps early training. */
export function initWeights(c: DecoderConfig, seed: number): WeightSet {
  const normal = gaussian(mulberry32(seed));
  const shapes = weightShapes(c);
  const out = {} as WeightSet;
  for (const name of WEIGHT_NAMES) {
    const shape = shapes[name];
    const data = new Float32Array(size(shape));
    if (shape.length === 2) {
      const std = Math.sqrt(2 / (shape[0]! + shape[1]!));
      for (let k = 0; k < data.length; k++) data[k] = normal() * std;
    }
    out[name] = { shape, data };
  }
  out['lstm/b'].data.fill(1, c.hiddenDim, 2 * c.hiddenDim); // forget gate bias
  return out;
}

/** One scale and offset for the whole tensor (tfjs's own uint8 scheme). */
export interface TensorQuantization {
  dtype: 'uint8';
  scale: number;
  min: number;
}
/**
 * One scale and offset per row (axis 0) or per column (axis 1) of a 2-D tensor, stored in the shard.
 * Why: one range for a whole tensor lets its widest slice set every slice's step; the self-critically
 * tuned decoder lost 0.0065 test BLEU-4 to per-tensor uint8 (see the model card).
 */
export interface SliceQuantization {
  dtype: 'uint8';
  axis: 0 | 1;
}
export type QuantizationSpec = TensorQuantization | SliceQuantization;
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: QuantizationSpec;
}
export interface ModelJson {
  format: 'show-and-tell-decoder';
  version: 1;
  config: DecoderConfig;
  vocab: string;
  meta?: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

/** 'uint8': one range per tensor; 'uint8-slices': one per row or column, whichever reconstructs better. */
export type Quantization = 'none' | 'uint8' | 'uint8-slices';

function range(data: Float32Array, start: number, stride: number, count: number): { min: number; scale: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0, i = start; k < count; k++, i += stride) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, scale: max > min ? (max - min) / 255 : 1 };
}

/** uint8 codes of `data` with one range per slice along `axis` of a [rows, cols] tensor (axis null: one range). */
function quantize(data: Float32Array, rows: number, cols: number, axis: 0 | 1 | null): { codes: Uint8Array; ranges: { min: number; scale: number }[]; error: number } {
  const slices = axis === 0 ? rows : axis === 1 ? cols : 1;
  const ranges = Array.from({ length: slices }, (_, s) => (axis === 0 ? range(data, s * cols, 1, cols) : axis === 1 ? range(data, s, cols, rows) : range(data, 0, 1, data.length)));
  const codes = new Uint8Array(data.length);
  let error = 0;
  for (let k = 0; k < data.length; k++) {
    const r = ranges[axis === 0 ? Math.floor(k / cols) : axis === 1 ? k % cols : 0]!;
    const q = Math.round((data[k]! - r.min) / r.scale);
    codes[k] = q;
    error += (q * r.scale + r.min - data[k]!) ** 2;
  }
  return { codes, ranges, error };
}

/** Build model.json and the single weights shard. */
export function serializeWeights(
  config: DecoderConfig,
  weights: WeightSet,
  opts: { quantization?: Quantization; shard?: string; vocab?: string; meta?: Record<string, unknown> } = {},
): { modelJson: ModelJson; shard: Uint8Array } {
  const quantization = opts.quantization ?? 'none';
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  const shapes = weightShapes(config);
  for (const name of WEIGHT_NAMES) {
    const w = weights[name];
    if (w.shape.join() !== shapes[name].join()) throw new Error(`serializeWeights: ${name} has shape [${w.shape}], config needs [${shapes[name]}]`);
    if (quantization === 'uint8' || (quantization === 'uint8-slices' && w.shape.length === 1)) {
      const { codes, ranges } = quantize(w.data, 1, w.data.length, null);
      specs.push({ name, shape: w.shape, dtype: 'float32', quantization: { dtype: 'uint8', scale: ranges[0]!.scale, min: ranges[0]!.min } });
      parts.push(codes);
    } else if (quantization === 'uint8-slices') {
      const [rows, cols] = w.shape as [number, number];
      const byRow = quantize(w.data, rows, cols, 0);
      const byColumn = quantize(w.data, rows, cols, 1);
      const best = byRow.error <= byColumn.error ? { axis: 0 as const, ...byRow } : { axis: 1 as const, ...byColumn };
      const header = new Float32Array(2 * best.ranges.length);
      best.ranges.forEach((r, k) => {
        header[k] = r.scale;
        header[best.ranges.length + k] = r.min;
      });
      specs.push({ name, shape: w.shape, dtype: 'float32', quantization: { dtype: 'uint8', axis: best.axis } });
      parts.push(new Uint8Array(header.buffer), best.codes);
    } else {
      specs.push({ name, shape: w.shape, dtype: 'float32' });
      parts.push(new Uint8Array(w.data.buffer.slice(w.data.byteOffset, w.data.byteOffset + w.data.byteLength)));
    }
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const shard = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    shard.set(p, off);
    off += p.length;
  }
  const shardName = opts.shard ?? 'weights.bin';
  return {
    modelJson: {
      format: 'show-and-tell-decoder',
      version: 1,
      config,
      vocab: opts.vocab ?? 'vocab.json',
      ...(opts.meta ? { meta: opts.meta } : {}),
      weightsManifest: [{ paths: [shardName], weights: specs }],
    },
    shard,
  };
}

/** Reads one file of a model folder (fetch in the page, fs in Node). Rejects when the file is missing. */
export type FileReader = (name: string) => Promise<ArrayBuffer>;

export class ModelLoadError extends Error {
  constructor(message: string, readonly file: string, readonly tensor?: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

async function readOrExplain(read: FileReader, file: string, why: string): Promise<ArrayBuffer> {
  try {
    return await read(file);
  } catch (e) {
    throw new ModelLoadError(`model file "${file}" could not be read (${why}): ${e instanceof Error ? e.message : String(e)}`, file);
  }
}

export async function readJsonFile<T>(read: FileReader, file: string, why: string): Promise<T> {
  const bytes = await readOrExplain(read, file, why);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch {
    throw new ModelLoadError(`model file "${file}" is not valid JSON (corrupt or truncated download?)`, file);
  }
}

function checkConfig(c: unknown, file: string): DecoderConfig {
  const cfg = c as Partial<DecoderConfig> | undefined;
  for (const k of ['vocabSize', 'embedDim', 'hiddenDim', 'featureDim'] as const) {
    const v = cfg?.[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ModelLoadError(`"${file}": config.${k} must be a positive integer`, file);
  }
  return cfg as DecoderConfig;
}

/** Load and validate model.json and its shards. Every failure names the file, and the tensor where one is at fault. */
export async function loadWeights(read: FileReader, file = 'model.json'): Promise<{ modelJson: ModelJson; config: DecoderConfig; weights: WeightSet }> {
  const modelJson = await readJsonFile<ModelJson>(read, file, 'the model manifest');
  if (modelJson?.format !== 'show-and-tell-decoder') throw new ModelLoadError(`"${file}" is not a Show and Tell decoder manifest (format is ${JSON.stringify(modelJson?.format)})`, file);
  const config = checkConfig(modelJson.config, file);
  const shapes = weightShapes(config);
  const weights = {} as WeightSet;
  for (const group of modelJson.weightsManifest ?? []) {
    const shards = await Promise.all(group.paths.map((p) => readOrExplain(read, p, `listed in ${file}`)));
    const shardName = group.paths.join('+');
    const bytes = concat(shards.map((s) => new Uint8Array(s)));
    let off = 0;
    for (const spec of group.weights) {
      const name = spec.name as WeightName;
      if (!(name in shapes)) throw new ModelLoadError(`"${file}" lists an unknown tensor "${spec.name}"`, file, spec.name);
      if (spec.shape.join() !== shapes[name].join()) {
        throw new ModelLoadError(`tensor "${name}" in "${file}" has shape [${spec.shape}] but the config needs [${shapes[name]}]`, file, name);
      }
      const n = size(spec.shape);
      const q = spec.quantization;
      if (q && q.dtype !== 'uint8') throw new ModelLoadError(`tensor "${name}" in "${file}": unsupported quantization ${(q as { dtype: string }).dtype}`, file, name);
      const sliced = q && 'axis' in q ? q : null;
      if (sliced && (spec.shape.length !== 2 || (sliced.axis !== 0 && sliced.axis !== 1))) throw new ModelLoadError(`tensor "${name}" in "${file}": per-slice quantization needs a 2-D tensor and axis 0 or 1`, file, name);
      if (q && !sliced && !(typeof (q as TensorQuantization).scale === 'number' && typeof (q as TensorQuantization).min === 'number')) throw new ModelLoadError(`tensor "${name}" in "${file}": uint8 quantization needs a scale and a min, or an axis`, file, name);
      const slices = sliced ? spec.shape[sliced.axis]! : 0;
      const byteLength = q ? n + 8 * slices : n * 4;
      if (off + byteLength > bytes.length) {
        throw new ModelLoadError(`"${shardName}" is truncated: tensor "${name}" needs bytes ${off}..${off + byteLength} but the file has ${bytes.length}`, shardName, name);
      }
      let data: Float32Array;
      if (sliced) {
        // Copied out of the shard: the ranges need not sit on a 4-byte boundary there.
        const ranges = new Float32Array(bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + 8 * slices));
        const codes = bytes.subarray(off + 8 * slices, off + byteLength);
        const cols = spec.shape[1]!;
        data = new Float32Array(n);
        for (let k = 0; k < n; k++) {
          const s = sliced.axis === 0 ? Math.floor(k / cols) : k % cols;
          data[k] = codes[k]! * ranges[s]! + ranges[slices + s]!;
        }
      } else if (q && 'scale' in q) {
        data = new Float32Array(n);
        for (let k = 0; k < n; k++) data[k] = bytes[off + k]! * q.scale + q.min;
      } else {
        data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + byteLength));
      }
      for (let k = 0; k < n; k++) {
        if (!Number.isFinite(data[k]!)) throw new ModelLoadError(`tensor "${name}" in "${shardName}" holds a non-finite value at index ${k} (corrupt file?)`, shardName, name);
      }
      weights[name] = { shape: spec.shape, data };
      off += byteLength;
    }
    if (off !== bytes.length) throw new ModelLoadError(`"${shardName}" has ${bytes.length - off} bytes more than "${file}" describes (wrong or corrupt file?)`, shardName);
  }
  for (const name of WEIGHT_NAMES) {
    if (!weights[name]) throw new ModelLoadError(`"${file}" does not list tensor "${name}"`, file, name);
  }
  return { modelJson, config, weights };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
