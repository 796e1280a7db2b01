/**
 * The text-only word embedding that ships beside a decoder (text-embedding.json + .bin): skip-gram
 * vectors trained on the caption text alone (`npm run embedding-probe`, src/train/skipgram.ts), one
 * row per vocabulary id of the decoder's vocab.json. The embedding map shows it next to the
 * decoder's own W_e, so readers can compare what the words' contexts say with what the captioner
 * learned. The decoder never reads these vectors.
 *
 * Stored as int8 with one scale per row (the map only needs cosines, and a per-row scale keeps every
 * row's direction to within half a step of 127): float32 scales [V], then int8 codes [V·dim].
 */

export const TEXT_EMBEDDING_FORMAT = 'show-and-tell-text-embedding';

export interface TextEmbeddingJson {
  format: typeof TEXT_EMBEDDING_FORMAT;
  version: 1;
  vocabSize: number;
  dim: number;
  /** The shard beside this file. */
  file: string;
  quantization: 'int8-rows';
  /** How the vectors were trained (skip-gram settings, caption count, seconds), for the record. */
  method: Record<string, unknown>;
}

export class TextEmbeddingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TextEmbeddingError';
  }
}

/** Quantise float32 vectors ([vocabSize, dim], row-major) into the shipped pair of files. */
export function encodeTextEmbedding(vectors: Float32Array, vocabSize: number, dim: number, method: Record<string, unknown>, file = 'text-embedding.bin'): { json: TextEmbeddingJson; bin: Uint8Array } {
  if (vectors.length !== vocabSize * dim) throw new TextEmbeddingError(`text embedding: ${vectors.length} values for ${vocabSize} words × ${dim} dimensions`);
  const bin = new Uint8Array(4 * vocabSize + vocabSize * dim);
  const scales = new Float32Array(bin.buffer, 0, vocabSize);
  const codes = new Int8Array(bin.buffer, 4 * vocabSize, vocabSize * dim);
  for (let r = 0; r < vocabSize; r++) {
    let max = 0;
    for (let k = 0; k < dim; k++) max = Math.max(max, Math.abs(vectors[r * dim + k]!));
    if (!Number.isFinite(max)) throw new TextEmbeddingError(`text embedding: row ${r} holds a non-finite value`);
    const scale = max > 0 ? max / 127 : 1;
    scales[r] = scale;
    for (let k = 0; k < dim; k++) codes[r * dim + k] = Math.round(vectors[r * dim + k]! / scale);
  }
  return { json: { format: TEXT_EMBEDDING_FORMAT, version: 1, vocabSize, dim, file, quantization: 'int8-rows', method }, bin };
}

/** Validate text-embedding.json (already parsed); every problem is named. */
export function parseTextEmbeddingJson(raw: unknown): TextEmbeddingJson {
  const j = raw as Partial<TextEmbeddingJson> | null;
  if (!j || j.format !== TEXT_EMBEDDING_FORMAT) throw new TextEmbeddingError(`text-embedding.json: format must be "${TEXT_EMBEDDING_FORMAT}"`);
  if (j.version !== 1) throw new TextEmbeddingError(`text-embedding.json: unsupported version ${String(j.version)}`);
  for (const k of ['vocabSize', 'dim'] as const) {
    const v = j[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new TextEmbeddingError(`text-embedding.json: "${k}" must be a positive integer`);
  }
  if (j.quantization !== 'int8-rows') throw new TextEmbeddingError(`text-embedding.json: unsupported quantization ${JSON.stringify(j.quantization)}`);
  // The shard is fetched from beside the manifest: a bare file name only, nothing that climbs out.
  if (typeof j.file !== 'string' || !/^[a-z0-9][a-z0-9_.-]*$/i.test(j.file) || j.file.includes('..')) throw new TextEmbeddingError('text-embedding.json: "file" must be a plain file name');
  return { method: {}, ...j } as TextEmbeddingJson;
}

/** The float32 vectors ([vocabSize, dim]) from the shard's bytes. */
export function decodeTextEmbedding(json: TextEmbeddingJson, bytes: ArrayBuffer): Float32Array {
  const { vocabSize: V, dim } = json;
  const expected = 4 * V + V * dim;
  if (bytes.byteLength !== expected) throw new TextEmbeddingError(`${json.file}: ${bytes.byteLength} bytes, but ${V} words × ${dim} dimensions need ${expected} (truncated or from another model?)`);
  const scales = new Float32Array(bytes, 0, V);
  const codes = new Int8Array(bytes, 4 * V, V * dim);
  const out = new Float32Array(V * dim);
  for (let r = 0; r < V; r++) {
    const s = scales[r]!;
    if (!Number.isFinite(s)) throw new TextEmbeddingError(`${json.file}: row ${r} has a non-finite scale`);
    for (let k = 0; k < dim; k++) out[r * dim + k] = codes[r * dim + k]! * s;
  }
  return out;
}

/**
 * Read and check a model folder's text-embedding.json against the decoder's vocabulary size (fetch
 * in the page, fs in Node). The shard is left for `decodeTextEmbedding`, so a caller can wait.
 */
export async function readTextEmbeddingManifest(read: (name: string) => Promise<ArrayBuffer>, vocabSize: number, file = 'text-embedding.json'): Promise<TextEmbeddingJson> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(await read(file)));
  } catch (e) {
    throw new TextEmbeddingError(`${file} could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const json = parseTextEmbeddingJson(parsed);
  if (json.vocabSize !== vocabSize) throw new TextEmbeddingError(`${file} covers ${json.vocabSize} words, but the model's vocabulary has ${vocabSize}`);
  return json;
}

/** Read and decode a model folder's text embedding: the manifest, then its shard. */
export async function loadTextEmbedding(read: (name: string) => Promise<ArrayBuffer>, vocabSize: number): Promise<{ json: TextEmbeddingJson; vectors: Float32Array }> {
  const json = await readTextEmbeddingManifest(read, vocabSize);
  return { json, vectors: decodeTextEmbedding(json, await read(json.file)) };
}

/** The two embeddings the map can show: the decoder's own W_e, or the text-only skip-gram vectors. */
export const EMBEDDING_SPACES = ['decoder', 'text'] as const;
export type EmbeddingSpace = (typeof EMBEDDING_SPACES)[number];

/** The precomputed map of each space, beside the model. */
export function layoutFileName(space: EmbeddingSpace): string {
  return space === 'text' ? 'text-layout.json' : 'layout.json';
}
