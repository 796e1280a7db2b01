/**
 * The live model in the page: CenterNet (encoder) + the decoder named by /models/current.json,
 * all fetched from our own origin. DOM-free: the figure component drives it and renders results.
 */
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { encodeImage, topClasses, type RgbImage } from '../model/encoder';
import { beamSearch, captionText, loadCaptioner, type Captioner, type FileReader } from '../model/index';
import { DEFAULT_BEAM } from '../model/search';
import type { BeamOptions, Trace } from '../model/trace';
import { withBase } from './paths';

/** The page decodes like the caption CLI and the reported test figures (beam 3, no length normalisation). */
export const BEAM: BeamOptions = DEFAULT_BEAM;

/** Reads `{"decoder": "<name>"}`; the name becomes a URL folder, so only plain names pass. */
export function decoderName(json: unknown): string {
  const name = (json as { decoder?: unknown } | null)?.decoder;
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9_-]*$/i.test(name)) {
    throw new Error(`models/current.json must name a decoder folder, e.g. {"decoder": "flickr8k"}; got ${JSON.stringify(json)}`);
  }
  return name;
}

/** fetch that rejects on an HTTP error, naming the URL and status. */
export async function fetchOk(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`.trim());
  return res;
}

export type LoadStage = { stage: 'encoder'; fraction: number } | { stage: 'decoder'; name: string };

export interface LiveModel extends Captioner {
  encoder: GraphModel;
  decoderName: string;
  dispose(): void;
}

/** Loads both networks. `base` is the site's BASE_URL. */
export async function loadLiveModel(base: string, onStage: (s: LoadStage) => void = () => {}): Promise<LiveModel> {
  onStage({ stage: 'encoder', fraction: 0 });
  const encoder = await loadGraphModel(withBase(base, 'models/encoder/centernet.json'), {
    onProgress: (fraction) => onStage({ stage: 'encoder', fraction }),
  });
  try {
    const name = decoderName(await (await fetchOk(withBase(base, 'models/current.json'))).json());
    onStage({ stage: 'decoder', name });
    const read: FileReader = async (file) => (await fetchOk(withBase(base, `models/${name}/${file}`))).arrayBuffer();
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
