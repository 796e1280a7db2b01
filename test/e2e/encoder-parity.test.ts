/**
 * Encoder parity, Node vs Chromium, both on tfjs-wasm (issue #3, encoder requirement).
 *
 * For every example photo:
 *   1. same pixels: sharp decodes the JPEG in Node; Node encodes those RGB bytes, and the browser
 *      encodes the very same bytes (handed over as base64). The features must agree to 1e-3, max |Δ|.
 *   2. each its own decoder: the browser decodes the JPEG as the page does (createImageBitmap +
 *      canvas). The feature difference against Node's is measured and reported (sanity bounds only),
 *      and the committed decoder, run in Node, must give the same caption for both features.
 *
 * The browser side is test/e2e/harness/encoder-harness.ts, bundled here with esbuild and served with
 * page.route on the built site's own origin, so CenterNet and the wasm binaries come from dist/ and
 * no other origin is contacted.
 */
import { bundleForBrowser } from '../../scripts/browser-harness.mjs';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeImage, FEATURE_DIM, type RgbImage } from '../../src/model/encoder';
import { beamSearch, captionText, loadCaptioner, type Captioner } from '../../src/model/index';
import type { BeamOptions } from '../../src/model/trace';
import { decoderName } from '../../src/lib/model-files';
import { DEFAULT_BEAM } from '../../src/model/search';
import { decodeImageFile } from '../../src/train/decode-image';
import { centernetPath, initBackend, loadGraphModelFromFile } from '../../src/train/node-backend';
import { fsReader } from '../../src/train/node-files';
import { collectErrors, launch } from './browser';
import type { DecodedRgb, HarnessWindow } from './harness/encoder-harness';

const origin = inject('origin');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HARNESS_ENTRY = path.join(ROOT, 'test/e2e/harness/encoder-harness.ts');
const HARNESS_HTML = `${origin}/__encoder-harness.html`;
const HARNESS_JS = `${origin}/__encoder-harness.js`;
const EXAMPLES = path.join(ROOT, 'public/examples');
const PHOTOS = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.jpg'))
  .sort();

/** Same pixels, same graph, same tfjs ops: only the wasm builds (and float summation order) may differ. */
const SAME_PIXELS_TOLERANCE = 1e-3;
/** The beam search the issue names (a plain sum of log p), and the page's own (length-normalised). */

interface Row {
  photo: string;
  size: string;
  pixelMaxLevel: number;
  pixelDiffering: number;
  sameMaxAbs: number;
  jpegMaxAbs: number;
  jpegCosine: number;
  caption: string;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let a2 = 0;
  let b2 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    a2 += a[i]! * a[i]!;
    b2 += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(a2 * b2);
}

/** Per-byte comparison of two decodings: the largest level difference and the share of bytes that differ. */
function pixelDiff(a: Uint8Array, b: Uint8Array): { maxLevel: number; differing: number } {
  let maxLevel = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > 0) differing++;
    if (d > maxLevel) maxLevel = d;
  }
  return { maxLevel, differing: differing / a.length };
}

function bundleHarness(): Promise<string> {
  return bundleForBrowser(HARNESS_ENTRY);
}

const harnessHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>encoder harness</title>
<script type="module" src="/__encoder-harness.js"></script></head><body></body></html>`;

let browser: Browser;
let page: Page;
let errors: string[];
const requests: string[] = [];
let browserBackend = '';
let nodeBackend = '';
let encoder: GraphModel;
let captioner: Captioner;
const rows: Row[] = [];

function caption(feature: Float32Array, opts: BeamOptions): string {
  return captionText(beamSearch(captioner.decoder, feature, opts), captioner.vocab);
}

beforeAll(async () => {
  const [js] = await Promise.all([
    bundleHarness(),
    (async () => {
      nodeBackend = await initBackend('wasm');
      encoder = await loadGraphModelFromFile(centernetPath());
      const current = decoderName(JSON.parse(readFileSync(path.join(ROOT, 'public/models/current.json'), 'utf8')));
      captioner = await loadCaptioner(fsReader(path.join(ROOT, 'public/models', current)));
    })(),
  ]);

  browser = await launch();
  page = await browser.newPage();
  errors = collectErrors(page);
  page.on('request', (r) => requests.push(r.url()));
  await page.route(HARNESS_HTML, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: harnessHtml }));
  await page.route(HARNESS_JS, (route) => route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: js }));
  await page.goto(HARNESS_HTML);
  await page.waitForFunction(() => (window as unknown as HarnessWindow).harnessReady !== undefined, null, { timeout: 30_000 });
  browserBackend = await page.evaluate(() => (window as unknown as HarnessWindow).harnessReady);
}, 180_000);

afterAll(async () => {
  encoder?.dispose();
  captioner?.decoder.dispose();
  await browser?.close();
  if (rows.length === 0) return;
  const fmt = (x: number) => x.toExponential(2);
  const shown = (s: string) => (s ? `"${s}"` : '(empty)');
  const lines = [
    `Encoder parity, Node (sharp) vs Chromium (canvas), both tfjs-wasm; captions by the committed decoder in Node`,
    `| photo | size | JPEG decoders: max level Δ, bytes differing | max abs feature Δ, same pixels | max abs feature Δ, JPEG decoders | cosine, JPEG decoders | caption (beam 3) |`,
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.photo} | ${r.size} | ${r.pixelMaxLevel}, ${(100 * r.pixelDiffering).toFixed(2)} % | ${fmt(r.sameMaxAbs)} | ${fmt(r.jpegMaxAbs)} | ${r.jpegCosine.toFixed(6)} | ${shown(r.caption)} |`,
    ),
    `max over photos: same pixels ${fmt(Math.max(...rows.map((r) => r.sameMaxAbs)))}, JPEG decoders ${fmt(Math.max(...rows.map((r) => r.jpegMaxAbs)))}`,
  ];
  console.log(lines.join('\n'));
});

describe('encoder parity, Node vs Chromium on wasm', () => {
  it('runs on the wasm backend on both sides', () => {
    expect(nodeBackend).toBe('wasm');
    expect(browserBackend).toBe('wasm');
  });

  for (const photo of PHOTOS) {
    it(
      photo,
      async () => {
        const file = path.join(EXAMPLES, photo);
        const url = `/examples/${photo}`;
        // The browser fetches the built copy: make sure it is this very file (dist/ is not stale).
        const served = Buffer.from(await (await fetch(origin + url)).arrayBuffer());
        expect(served.equals(readFileSync(file)), `${url} in dist/ differs from public/examples/${photo}; rebuild`).toBe(true);

        const image = await decodeImageFile(file);
        const nodeFeature = encodeImage(encoder, image).feature;
        const base64 = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength).toString('base64');

        const sameFeature = await page.evaluate(
          ([w, h, b64]) => (window as unknown as HarnessWindow).encodeRgb(w, h, b64),
          [image.width, image.height, base64] as const,
        );
        const jpegFeature = await page.evaluate((u) => (window as unknown as HarnessWindow).encodeUrl(u), url);
        const decoded: DecodedRgb = await page.evaluate((u) => (window as unknown as HarnessWindow).decodeUrl(u), url);

        expect(nodeFeature).toHaveLength(FEATURE_DIM);
        expect(sameFeature).toHaveLength(FEATURE_DIM);
        expect(jpegFeature).toHaveLength(FEATURE_DIM);
        expect(sameFeature.every(Number.isFinite) && jpegFeature.every(Number.isFinite)).toBe(true);

        // Both decoders turn the photo the same way up (EXIF orientation) and keep every pixel.
        expect([decoded.width, decoded.height], 'browser-decoded size').toEqual([image.width, image.height]);
        const browserRgb: RgbImage = { width: decoded.width, height: decoded.height, data: new Uint8Array(Buffer.from(decoded.base64Rgb, 'base64')) };
        expect(browserRgb.data.length).toBe(image.data.length);
        const pixels = pixelDiff(image.data as Uint8Array, browserRgb.data as Uint8Array);

        const sameMaxAbs = maxAbsDiff(nodeFeature, sameFeature);
        const jpegMaxAbs = maxAbsDiff(nodeFeature, jpegFeature);
        const jpegCosine = cosine(nodeFeature, jpegFeature);

        const nodeCaption = caption(nodeFeature, DEFAULT_BEAM);
        const jpegCaption = caption(Float32Array.from(jpegFeature), DEFAULT_BEAM);
        const sameCaption = caption(Float32Array.from(sameFeature), DEFAULT_BEAM);
        rows.push({ photo, size: `${image.width}×${image.height}`, pixelMaxLevel: pixels.maxLevel, pixelDiffering: pixels.differing, sameMaxAbs, jpegMaxAbs, jpegCosine, caption: nodeCaption });

        // The requirement: the same pixels give the same feature, to 1e-3.
        expect(sameMaxAbs, `${photo}: max |Δ| of the feature from the same pixels`).toBeLessThanOrEqual(SAME_PIXELS_TOLERANCE);
        expect(sameCaption).toBe(nodeCaption);
        // JPEG decoders may differ by a level or two: no threshold on the feature beyond sanity...
        expect(jpegCosine, `${photo}: cosine of the features from the two JPEG decoders`).toBeGreaterThan(0.99);
        // ...but the caption must not change.
        expect(jpegCaption, `${photo}: caption (beam 3) from the browser-decoded JPEG`).toBe(nodeCaption);
      },
      60_000,
    );
  }

  it('fetched everything from the site itself and logged no errors', () => {
    // The recorder works: the harness, CenterNet and a wasm binary were fetched and seen.
    expect(requests).toContain(HARNESS_JS);
    expect(requests).toContain(`${origin}/models/encoder/centernet.bin`);
    expect(requests.some((u) => u.startsWith(`${origin}/wasm/`) && u.endsWith('.wasm'))).toBe(true);
    const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  });
});
