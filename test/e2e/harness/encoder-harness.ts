/**
 * Browser entry for test/e2e/encoder-parity.test.ts: the page's own backend set-up and image
 * decoding (src/lib/backend.ts, src/lib/image-decode.ts) around the shared encoder
 * (src/model/encoder.ts), with CenterNet and the wasm binaries fetched from the site's own origin.
 * The test bundles this file with esbuild and serves it on that origin with page.route.
 *
 * Exposes on `window`:
 *   - `harnessReady`: resolves to the backend name once CenterNet has loaded (rejects on failure);
 *   - `encodeRgb(width, height, base64Rgb)`: the feature of RGB bytes handed over from Node;
 *   - `encodeUrl(url)`: the feature of an image file decoded exactly as the page does (fetch → Blob →
 *     createImageBitmap + canvas, `decodeToRgb`);
 *   - `decodeUrl(url)`: that decoding alone, as base64 RGB, so the test can compare decoders' pixels.
 */
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { encodeImage, type RgbImage } from '../../../src/model/encoder';
import { initBackend } from '../../../src/lib/backend';
import { decodeToRgb } from '../../../src/lib/image-decode';

export interface DecodedRgb {
  width: number;
  height: number;
  base64Rgb: string;
}

export interface EncoderHarness {
  harnessReady: Promise<string>;
  encodeRgb(width: number, height: number, base64Rgb: string): Promise<number[]>;
  encodeUrl(url: string): Promise<number[]>;
  decodeUrl(url: string): Promise<DecodedRgb>;
}

/** The harness's globals, kept off the project-wide `Window` type: the test casts `window` to this. */
export type HarnessWindow = Window & EncoderHarness;
const w = window as unknown as HarnessWindow;

function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBase64(bytes: Uint8Array | Uint8ClampedArray): string {
  let bin = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(bin);
}

/** As src/components/caption-figure.ts fetches an example photo. */
async function fetchBlob(url: string): Promise<Blob> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.blob();
}

let model: GraphModel | null = null;

async function setUp(): Promise<string> {
  const backend = await initBackend(['wasm'], '/wasm/');
  model = await loadGraphModel('/models/encoder/centernet.json');
  return backend;
}

function encode(image: RgbImage): number[] {
  if (!model) throw new Error('encoder harness: CenterNet is not loaded (await harnessReady first)');
  return Array.from(encodeImage(model, image).feature);
}

w.harnessReady = setUp();
// Keep an early failure from surfacing as an unhandled rejection before the test awaits it.
w.harnessReady.catch(() => {});

w.encodeRgb = async (width, height, base64Rgb) => encode({ width, height, data: fromBase64(base64Rgb) });

w.encodeUrl = async (url) => encode(await decodeToRgb(await fetchBlob(url)));

w.decodeUrl = async (url) => {
  const { width, height, data } = await decodeToRgb(await fetchBlob(url));
  return { width, height, base64Rgb: toBase64(data) };
};
