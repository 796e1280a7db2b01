/**
 * The built index page in Chromium, with the live model on the wasm backend (headless Chromium's
 * WebGL is a slow software path here). One page load serves the first group of tests.
 */
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { collectErrors, launch, waitForCaption, injectAxe } from './browser';

const origin = inject('origin');

interface Captioned {
  source: string;
  text: string;
  width: number;
  height: number;
  feature: number[];
  classes: { name: string; score: number }[];
}

declare global {
  interface Window {
    __captioned: Captioned[];
  }
}

/** Records every `captioned` event the figure dispatches, from before the page's own scripts run. */
async function recordCaptions(page: Page) {
  await page.addInitScript(() => {
    window.__captioned = [];
    document.addEventListener('captioned', (e) => {
      const d = (e as CustomEvent).detail;
      window.__captioned.push({ source: d.source, text: d.text, width: d.width, height: d.height, feature: Array.from(d.feature as Float32Array), classes: d.classes });
    });
  });
}

async function waitForCaptioned(page: Page, source: string): Promise<Captioned> {
  await page.waitForFunction((s) => window.__captioned.some((c) => c.source === s), source, { timeout: 90_000 });
  return page.evaluate((s) => window.__captioned.filter((c) => c.source === s).at(-1)!, source);
}

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('index page with the live model (wasm)', () => {
  let page: Page;
  let errors: string[];
  const requests: string[] = [];
  let caption = '';

  beforeAll(async () => {
    page = await browser.newPage();
    errors = collectErrors(page);
    page.on('request', (r) => requests.push(r.url()));
    await recordCaptions(page);
    await page.goto(`${origin}/?backend=wasm`);
    caption = await waitForCaption(page);
  }, 120_000);

  test('shows a caption for the first example photo', async () => {
    expect(caption.length).toBeGreaterThan(0);
    const first = await waitForCaptioned(page, 'dog.jpg');
    expect(first.text).toBe(caption);
    expect(first.text).toMatch(/\w/);
    await expect(page.locator('[data-testid="status"]').getAttribute('class')).resolves.not.toContain('error');
  });

  test('says it runs on the wasm backend, with binaries from its own origin', async () => {
    await expect(page.locator('[data-testid="backend"]').textContent()).resolves.toContain('WebAssembly');
    expect(requests.some((u) => u.startsWith(`${origin}/wasm/`) && u.endsWith('.wasm'))).toBe(true);
  });

  test('makes no request outside its own origin', () => {
    // The recorder works: the model files were fetched and seen.
    expect(requests).toContain(`${origin}/models/encoder/centernet.bin`);
    expect(requests).toContain(`${origin}/models/current.json`);
    const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
    expect(foreign).toEqual([]);
  });

  test('logs no console errors', () => {
    expect(errors).toEqual([]);
  });

  test('shows what the CNN sees: the dog photo has a dog in it', async () => {
    const items = await page.locator('[data-testid="classes"] li').allTextContents();
    expect(items).toHaveLength(5);
    expect(items.join(' ')).toMatch(/\bdog\b/);
  });

  test("the page's encoder feature equals Node's for the same photo", async () => {
    const { feature } = await waitForCaptioned(page, 'dog.jpg');
    const nodeFeature = await encodeInNode('public/examples/dog.jpg');
    expect(feature).toHaveLength(nodeFeature.length);
    let dot = 0;
    let a2 = 0;
    let b2 = 0;
    let maxDiff = 0;
    feature.forEach((a, i) => {
      const b = nodeFeature[i]!;
      dot += a * b;
      a2 += a * a;
      b2 += b * b;
      maxDiff = Math.max(maxDiff, Math.abs(a - b));
    });
    // Bit-identical on this machine (Chromium and sharp both decode with libjpeg-turbo); the margin
    // allows another JPEG decoder build to differ by a grey level here and there, nothing more.
    expect(dot / Math.sqrt(a2 * b2)).toBeGreaterThan(0.9999);
    expect(maxDiff).toBeLessThan(0.01);
  });

  test('picking another photo captions that photo', async () => {
    await page.locator('[data-testid="photo-picker"]').selectOption('kite.jpg');
    const kite = await waitForCaptioned(page, 'kite.jpg');
    expect(kite.text.length).toBeGreaterThan(0);
    expect([kite.width, kite.height]).toEqual([1280, 852]);
    await expect(page.locator('[data-testid="photo"]').getAttribute('src')).resolves.toMatch(/\/examples\/kite\.jpg$/);
    await expect(page.locator('[data-testid="photo-credit"]').textContent()).resolves.toContain('kite.jpg');
  });

  test('has no accessibility violations that axe-core can find, in light and dark mode', async () => {
    await injectAxe(page);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe;
        return (await axe.run()).violations.map((v) => `${v.id} (${v.nodes.length})`);
      });
      expect(violations, colorScheme).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: null });
  });

  test("an uploaded photo is turned upright by its EXIF orientation", async () => {
    // 60×40 pixels stored sideways, with EXIF orientation 6 ("rotate 90° clockwise to view"): upright it is 40×60.
    const jpeg = await sharp({ create: { width: 60, height: 40, channels: 3, background: '#c04020' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    await page.locator('[data-testid="upload"]').setInputFiles({ name: 'sideways.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    const upload = await waitForCaptioned(page, 'upload');
    expect([upload.width, upload.height]).toEqual([40, 60]);
  });

  test('a very large upload is scaled down before encoding, and still captioned', async () => {
    const jpeg = await sharp({ create: { width: 5000, height: 1000, channels: 3, background: '#2080c0' } }).jpeg().toBuffer();
    await page.evaluate(() => (window.__captioned = []));
    await page.locator('[data-testid="upload"]').setInputFiles({ name: 'wide.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    const upload = await waitForCaptioned(page, 'upload');
    expect([upload.width, upload.height]).toEqual([2048, 410]);
    expect(upload.text).toMatch(/\w/);
  });
});

describe('index page when the model cannot load', () => {
  test('says so in words, keeps the article and the precomputed caption, and offers a retry', async () => {
    const page = await browser.newPage();
    await page.route(`${origin}/models/encoder/**`, (route) => route.abort());
    await page.goto(`${origin}/?backend=wasm`);
    const status = page.locator('[data-testid="status"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.classList.contains('error'), null, { timeout: 60_000 });
    await expect(status.textContent()).resolves.toMatch(/could not load.*article reads fine/);
    await expect(page.locator('h1').textContent()).resolves.toBe('Show and Tell, live');
    expect(await page.locator('article p').first().isVisible()).toBe(true);
    // The figure keeps the precomputed caption (built into the HTML from public/traces/), and the
    // reader is offered a retry.
    const html = await (await fetch(`${origin}/`)).text();
    const shown = (await page.locator('[data-testid="caption"]').textContent()) ?? '';
    expect(shown).toMatch(/\w/);
    expect(html).toContain(shown);
    await expect(page.locator('[data-testid="model-retry"]').isVisible()).resolves.toBe(true);
    await page.close();
  });
});

/** The same photo through Node's path: sharp decoding, the same preprocess + encoder on tfjs-wasm. */
async function encodeInNode(file: string): Promise<Float32Array> {
  const { initBackend, centernetPath, loadGraphModelFromFile } = await import('../../src/train/node-backend');
  const { decodeImageFile } = await import('../../src/train/decode-image');
  const { encodeImage } = await import('../../src/model/encoder');
  await initBackend('wasm');
  const model = await loadGraphModelFromFile(centernetPath());
  try {
    return encodeImage(model, await decodeImageFile(file)).feature;
  } finally {
    model.dispose();
  }
}
