/**
 * The live model in the page: CenterNet (encoder) + the decoder named by /models/current.json,
 * all fetched from our own origin. DOM-free: the figure component drives it and renders results.
 */
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { encodeImage, topClasses, type RgbImage } from '../model/encoder';
import { beamSearch, captionText, loadCaptioner, ModelLoadError, type Captioner, type FileReader } from '../model/index';
import { DEFAULT_BEAM } from '../model/search';
import type { BeamOptions, Trace } from '../model/trace';
import { withBase } from './paths';

/** The page decodes like the caption CLI and the reported test figures (beam 3, no length normalisation). */
export const BEAM: BeamOptions = DEFAULT_BEAM;

import { decoderName } from './model-files';

/** fetch that rejects on an HTTP error, naming the URL and status. */
export async function fetchOk(url: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`.trim());
  return res;
}

/** "3.9 MB", "512 kB", "87 B": decimal units, as download dialogs show them. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '? B';
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(bytes < 1e4 ? 1 : 0)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** "1.2 MB of 4.1 MB (29 %)", or "1.2 MB" when the server gave no size. */
export function progressText(loaded: number, total: number | undefined): string {
  if (!total || total <= 0) return formatBytes(loaded);
  const percent = Math.min(100, Math.floor((loaded / total) * 100));
  return `${formatBytes(loaded)} of ${formatBytes(total)} (${percent} %)`;
}

/** Bytes received of one file; `total` is undefined when the response has no Content-Length. */
export interface FileProgress {
  file: string;
  loaded: number;
  total: number | undefined;
}

/** The declared size of a response body, or undefined (absent, compressed, or nonsense). */
export function declaredLength(headers: Headers): number | undefined {
  // With Content-Encoding the header counts compressed bytes, but the reader yields decoded ones.
  if (headers.get('content-encoding')) return undefined;
  const n = Number(headers.get('content-length'));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Reads a response body through its ReadableStream so the reader sees bytes arrive (a 4 MB weight
 * file on a slow line takes a while). A body shorter than its Content-Length is a truncated
 * download and rejects, naming the file — tfjs would otherwise report a shape mismatch.
 */
export async function readWithProgress(res: Response, file: string, onProgress: (p: FileProgress) => void = () => {}): Promise<ArrayBuffer> {
  const total = declaredLength(res.headers);
  if (!res.body) {
    const buffer = await res.arrayBuffer();
    onProgress({ file, loaded: buffer.byteLength, total });
    return buffer;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress({ file, loaded, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress({ file, loaded, total });
  }
  if (total !== undefined && loaded < total) {
    throw new Error(`"${file}" was cut off: ${formatBytes(loaded)} of ${formatBytes(total)} arrived (the connection dropped?)`);
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes.buffer;
}

export type LoadStage =
  | { stage: 'encoder'; fraction: number; progress?: FileProgress }
  | { stage: 'decoder'; name: string; progress?: FileProgress };

export interface LoadOptions {
  /**
   * Bypass the HTTP cache and the service worker's copy (`cache: 'reload'`): a Retry after a
   * corrupt or truncated download must not be handed the same bad bytes again.
   */
  reload?: boolean;
}

export interface LiveModel extends Captioner {
  encoder: GraphModel;
  decoderName: string;
  dispose(): void;
}

/**
 * Request options for model files: on a Retry, past the HTTP cache (`cache: 'reload'`) and past
 * the service worker's copy (the header tells scripts/build-sw.mjs's worker to fetch afresh).
 */
export function reloadInit(reload = false): RequestInit {
  return reload ? { cache: 'reload', headers: { 'x-show-and-tell-reload': '1' } } : {};
}

/** The path of a model file below models/, for messages ("encoder/centernet.bin"). */
function modelFile(url: string): string {
  const path = new URL(url, 'http://x/').pathname;
  const i = path.lastIndexOf('/models/');
  return i >= 0 ? path.slice(i + '/models/'.length) : path.replace(/^.*\//, '');
}

/**
 * Loads both networks. `base` is the site's BASE_URL. Every failure is a ModelLoadError naming
 * the file (model.json, weights.bin, vocab.json, the encoder's files), so the page can say which
 * download failed and offer a Retry.
 */
export async function loadLiveModel(base: string, onStage: (s: LoadStage) => void = () => {}, options: LoadOptions = {}): Promise<LiveModel> {
  const init = reloadInit(options.reload);
  /** tfjs's fetchFunc: the same fetch, but the body is counted as it streams in. */
  const countingFetch = (report: (p: FileProgress) => void) => async (input: RequestInfo | URL, requestInit?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const res = await fetch(url, { ...requestInit, ...init });
    if (!res.ok) return res; // tfjs names the URL and status itself
    const body = await readWithProgress(res, modelFile(url), report);
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };

  onStage({ stage: 'encoder', fraction: 0 });
  let encoder: GraphModel;
  const encoderUrl = withBase(base, 'models/encoder/centernet.json');
  try {
    encoder = await loadGraphModel(encoderUrl, {
      fetchFunc: countingFetch((progress) => onStage({ stage: 'encoder', fraction: progress.total ? progress.loaded / progress.total : 0, progress })),
      onProgress: (fraction) => onStage({ stage: 'encoder', fraction }),
    });
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    const text = e instanceof Error ? e.message : String(e);
    const file = /centernet\.bin|weights|shape|values/i.test(text) ? 'encoder/centernet.bin' : 'encoder/centernet.json';
    throw new ModelLoadError(`the image encoder could not be loaded (${file}): ${text}`, file);
  }
  try {
    let name: string;
    try {
      name = decoderName(await (await fetchOk(withBase(base, 'models/current.json'), init)).json());
    } catch (e) {
      throw new ModelLoadError(`"current.json" (which decoder to load) could not be read: ${e instanceof Error ? e.message : String(e)}`, 'current.json');
    }
    onStage({ stage: 'decoder', name });
    const read: FileReader = async (file) => {
      const url = withBase(base, `models/${name}/${file}`);
      const res = await fetchOk(url, init);
      return readWithProgress(res, `${name}/${file}`, (progress) => onStage({ stage: 'decoder', name, progress }));
    };
    const captioner = await loadCaptioner(read);
    return {
      ...captioner,
      encoder,
      decoderName: name,
      dispose() {
        captioner.decoder.dispose();
        encoder.dispose();
      },
    };
  } catch (e) {
    encoder.dispose();
    throw e;
  }
}

export interface CaptionResult {
  width: number;
  height: number;
  feature: Float32Array;
  classScores: Float32Array;
  classes: { name: string; score: number }[];
  trace: Trace;
  text: string;
  encodeMs: number;
  decodeMs: number;
}

/** Encode one image and beam-search its caption. Synchronous: tfjs reads results back with dataSync. */
export function captionImage(model: LiveModel, image: RgbImage): CaptionResult {
  const t0 = performance.now();
  const { feature, classScores } = encodeImage(model.encoder, image);
  const t1 = performance.now();
  const trace = beamSearch(model.decoder, feature, BEAM);
  const t2 = performance.now();
  return {
    width: image.width,
    height: image.height,
    feature,
    classScores,
    classes: topClasses(classScores, 5),
    trace,
    text: captionText(trace, model.vocab),
    encodeMs: t1 - t0,
    decodeMs: t2 - t1,
  };
}
