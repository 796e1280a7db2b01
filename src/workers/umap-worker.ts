/**
 * The embedding map's Web Worker: holds the model's word embeddings (W_e) off the main thread, and
 * the text-only skip-gram vectors when the model ships them (text-embedding.json), and answers, for
 * either space, three questions: a word's nearest neighbours by cosine (the same `nearest` as
 * `npm run neighbors`), the neighbour ranks inside a group of words, and a fresh UMAP layout
 * ("Recompute live", the same `LayoutRun` as `npm run layout`). Layout work runs in chunks of
 * CHUNK_MS with a macrotask between them, so progress is posted and a cancel is heard promptly.
 */
import { nearest, normaliseRows, type Neighbour } from '../model/neighbours';
import { decodeTextEmbedding, readTextEmbeddingManifest, type EmbeddingSpace } from '../model/text-embedding';
import { LayoutRun, type LayoutCoords, type LayoutProgress, type LayoutSettings, type ResolvedSettings } from '../model/umap-layout';
import { Vocabulary } from '../model/vocab';
import { loadWeights } from '../model/weights';

export type WorkerRequest =
  /** `modelUrl`: the absolute URL of the model folder, ending in '/'. */
  | { type: 'load'; modelUrl: string }
  | { type: 'neighbours'; id: number; space: EmbeddingSpace; word: number; k: number }
  /** Rank of each word among each other word's neighbours: ranks[a][b], 0 on the diagonal. */
  | { type: 'ranks'; id: number; space: EmbeddingSpace; words: number[] }
  | { type: 'layout'; id: number; space: EmbeddingSpace; ids: number[]; settings: Partial<LayoutSettings>; frames: boolean }
  | { type: 'cancel'; id: number };

export type WorkerReply =
  /** `text`: the text-only vectors' size, or why they are unavailable (a model need not ship them). */
  | { type: 'loaded'; vocabSize: number; dim: number; words: string[]; counts: number[]; text: { dim: number; method: Record<string, unknown> } | { missing: string } }
  | { type: 'error'; id: number | null; message: string }
  | { type: 'neighbours'; id: number; space: EmbeddingSpace; word: number; list: Neighbour[] }
  | { type: 'ranks'; id: number; space: EmbeddingSpace; words: number[]; ranks: number[][]; of: number }
  /** Progress of a layout; `frame` carries the coordinates so far when frames were asked for. */
  | { type: 'progress'; id: number; progress: LayoutProgress; frame: LayoutCoords | null }
  | { type: 'layout'; id: number; x: Float32Array; y: Float32Array; settings: ResolvedSettings; ms: number }
  | { type: 'cancelled'; id: number };

/** Longest stretch of layout work between two looks at the message queue. */
const CHUNK_MS = 40;
/** How often the converging map is sent to the page while it is drawn live. */
const FRAME_MS = 120;

interface Space {
  unit: Float32Array;
  raw: Float32Array;
  dim: number;
}
interface Embeddings {
  words: readonly string[];
  decoder: Space;
  /** The text-only vectors, fetched on first use (their 0.8 MB are not worth it to a reader who never switches). */
  text: (() => Promise<Space>) | null;
}

const scope = self as unknown as {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
};

let embeddings: Promise<Embeddings> | null = null;
const cancelled = new Set<number>();

function post(message: WorkerReply, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

const space = (raw: Float32Array, dim: number): Space => ({ raw, unit: normaliseRows(raw, dim), dim });

async function load(modelUrl: string): Promise<Embeddings> {
  const read = (file: string) => fetchBytes(new URL(file, modelUrl).href);
  const { config, weights } = await loadWeights(read);
  const vocab = Vocabulary.fromJSON(JSON.parse(new TextDecoder().decode(await read('vocab.json'))));
  // The text-only vectors are optional: a model without them still gets its W_e map. Only their
  // small manifest is read now; the shard waits until the reader asks for that space.
  let text: Embeddings['text'] = null;
  let reply: Extract<WorkerReply, { type: 'loaded' }>['text'];
  try {
    const json = await readTextEmbeddingManifest(read, vocab.size);
    let loading: Promise<Space> | null = null;
    text = () => (loading ??= read(json.file).then((bytes) => space(decodeTextEmbedding(json, bytes), json.dim)));
    reply = { dim: json.dim, method: json.method };
  } catch (err) {
    reply = { missing: err instanceof Error ? err.message : String(err) };
  }
  const e: Embeddings = { words: vocab.words, decoder: space(weights['embedding/We'].data, config.embedDim), text };
  post({ type: 'loaded', vocabSize: vocab.size, dim: e.decoder.dim, words: [...vocab.words], counts: [...vocab.counts], text: reply });
  return e;
}

async function pick(e: Embeddings, which: EmbeddingSpace): Promise<Space> {
  if (which === 'decoder') return e.decoder;
  if (!e.text) throw new Error('this model ships no text-only embedding');
  return e.text();
}

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function layout(req: Extract<WorkerRequest, { type: 'layout' }>, e: Space): Promise<void> {
  const t0 = performance.now();
  const rows = new Float32Array(req.ids.length * e.dim);
  req.ids.forEach((id, r) => rows.set(e.raw.subarray(id * e.dim, (id + 1) * e.dim), r * e.dim));
  const run = new LayoutRun(rows, e.dim, req.settings);
  let lastFrame = 0;
  while (!run.done) {
    await macrotask();
    if (cancelled.has(req.id)) {
      cancelled.delete(req.id);
      post({ type: 'cancelled', id: req.id });
      return;
    }
    const progress = run.advance(CHUNK_MS);
    const now = performance.now();
    const frame = req.frames && !run.done && now - lastFrame >= FRAME_MS ? run.current() : null;
    if (frame) lastFrame = now;
    post({ type: 'progress', id: req.id, progress, frame }, frame ? [frame.x.buffer, frame.y.buffer] : []);
  }
  const { x, y, settings } = run.result();
  post({ type: 'layout', id: req.id, x, y, settings, ms: performance.now() - t0 }, [x.buffer, y.buffer]);
}

async function handle(req: WorkerRequest): Promise<void> {
  if (req.type === 'load') {
    embeddings = load(req.modelUrl);
    await embeddings;
    return;
  }
  if (req.type === 'cancel') {
    cancelled.add(req.id);
    return;
  }
  if (!embeddings) throw new Error('the embeddings are not loaded yet');
  const e = await embeddings;
  const s = await pick(e, req.space);
  if (req.type === 'neighbours') {
    post({ type: 'neighbours', id: req.id, space: req.space, word: req.word, list: nearest(s.unit, s.dim, e.words, req.word, req.k) });
  } else if (req.type === 'ranks') {
    // One full neighbour list per word of the group, then each partner's place in it.
    const ranks = req.words.map((a) => {
      const all = nearest(s.unit, s.dim, e.words, a, e.words.length);
      return req.words.map((b) => (a === b ? 0 : all.findIndex((n) => n.id === b) + 1));
    });
    post({ type: 'ranks', id: req.id, space: req.space, words: req.words, ranks, of: e.words.length - 4 });
  } else await layout(req, s);
}

scope.onmessage = (event) => {
  const req = event.data;
  handle(req).catch((err: unknown) => post({ type: 'error', id: 'id' in req ? req.id : null, message: err instanceof Error ? err.message : String(err) }));
};
