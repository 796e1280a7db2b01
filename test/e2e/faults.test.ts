/**
 * Faults (issue #9) on the built explore page: model files that are missing, truncated or corrupt
 * (page.route on our own origin) give a sentence naming the file and a Retry button that works once
 * the file is back; WebGL missing or lost mid-session and wasm missing fall back to the next
 * backend, which the page names; a throttled download shows bytes and percent.
 *
 * Service workers are blocked in these contexts: a worker's cached copy would hide the faults
 * that page.route injects (the offline test covers the worker).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { collectErrors, launch } from './browser';

const origin = inject('origin');
const DECODER = (JSON.parse(readFileSync('public/models/current.json', 'utf8')) as { decoder: string }).decoder;
const DECODER_DIR = path.join('public/models', DECODER);

interface Hook {
  captions(): number;
  backend(): string | null;
  status(): { phase: string; message: string; file?: string; retry?: boolean };
}
type HookWindow = Window & { __showAndTell?: Partial<Hook> };

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function newPage(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  return { context, page, errors: collectErrors(page) };
}

const text = async (page: Page, testid: string) => ((await page.locator(`[data-testid="${testid}"]`).first().textContent()) ?? '').trim();

/** Waits until the page has published `n` live captions. */
async function waitForCaptions(page: Page, n = 1, timeout = 120_000): Promise<void> {
  try {
    await page.waitForFunction((k) => ((window as unknown as HookWindow).__showAndTell?.captions?.() ?? 0) >= k, n, { timeout });
  } catch (e) {
    throw new Error(`no caption; the status line says: ${await text(page, 'model-status')}`, { cause: e });
  }
}

async function waitForPhase(page: Page, phase: 'ready' | 'error', timeout = 90_000): Promise<void> {
  await page.waitForFunction((p) => document.querySelector<HTMLElement>('[data-model-status]')?.dataset['phase'] === p, phase, { timeout });
}

/** Console noise a failed download is expected to cause (the browser logs the failed request). */
const expectedNoise = (e: string) => /Failed to load resource/.test(e);

interface FileFault {
  name: string;
  /** URL glob of the file to break. */
  url: string;
  fault: (route: Route) => Promise<void>;
  /** The status line must name this file. */
  names: RegExp;
}

const weights = readFileSync(path.join(DECODER_DIR, 'weights.bin'));
const FAULTS: FileFault[] = [
  { name: 'decoder weights 404', url: `**/models/${DECODER}/weights.bin`, fault: (r) => r.fulfill({ status: 404, body: 'not found' }), names: /weights\.bin.*404/ },
  {
    name: 'decoder weights truncated',
    url: `**/models/${DECODER}/weights.bin`,
    fault: (r) => r.fulfill({ status: 200, contentType: 'application/octet-stream', body: weights.subarray(0, Math.floor(weights.length / 2)) }),
    names: /weights\.bin.*truncated/,
  },
  {
    // The shipped decoder is uint8-quantised, where every byte value is a valid weight: corruption
    // the loader can see is a file of the wrong size (e.g. an HTML error page saved as the shard).
    name: 'decoder weights corrupt (wrong size)',
    url: `**/models/${DECODER}/weights.bin`,
    fault: (r) => r.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.concat([weights, Buffer.from('<html>oops</html>')]) }),
    names: /weights\.bin.*bytes more than.*corrupt/,
  },
  { name: 'model.json corrupt', url: `**/models/${DECODER}/model.json`, fault: (r) => r.fulfill({ status: 200, contentType: 'application/json', body: '{"format": "show-and-te' }), names: /model\.json.*not valid JSON/ },
  { name: 'vocab.json 404', url: `**/models/${DECODER}/vocab.json`, fault: (r) => r.fulfill({ status: 404, body: 'not found' }), names: /vocab\.json.*404/ },
  { name: 'encoder weights 404', url: '**/models/encoder/centernet.bin', fault: (r) => r.fulfill({ status: 404, body: 'not found' }), names: /encoder/ },
];

describe('a broken model file: a sentence naming it, the text stays, Retry fetches it again', () => {
  for (const f of FAULTS) {
    test(f.name, async () => {
      const { context, page, errors } = await newPage();
      try {
        let faulty = 0;
        await page.route(f.url, (route) => {
          faulty++;
          return f.fault(route);
        });
        await page.goto(`${origin}/explore/?backend=wasm`);
        await waitForPhase(page, 'error');
        expect(faulty).toBeGreaterThan(0);
        const status = await text(page, 'model-status');
        expect(status).toMatch(/could not be loaded/);
        expect(status).toMatch(f.names);
        await expect(page.locator('[data-testid="model-status"]').first().getAttribute('class')).resolves.toContain('error');
        // The page's own text is still there and readable.
        await expect(page.locator('h1').isVisible()).resolves.toBe(true);
        await expect(page.locator('h1').textContent()).resolves.toMatch(/\w/);
        const retry = page.locator('[data-testid="model-retry"]').first();
        await expect(retry.isVisible()).resolves.toBe(true);
        expect(await page.evaluate(() => (window as unknown as HookWindow).__showAndTell?.captions?.() ?? 0)).toBe(0);

        // The file comes back; Retry (from the keyboard) loads the model and captions the photo.
        await page.unroute(f.url);
        const refetched: string[] = [];
        page.on('request', (r) => refetched.push(r.url()));
        await retry.focus();
        await page.keyboard.press('Enter');
        await waitForCaptions(page);
        await waitForPhase(page, 'ready');
        await expect(retry.isHidden()).resolves.toBe(true);
        expect(refetched.some((u) => u.includes(f.url.replace('**', '')))).toBe(true);
        expect(errors.filter((e) => !expectedNoise(e))).toEqual([]);
      } finally {
        await context.close();
      }
    }, 180_000);
  }
});

/** Keeps every WebGL context the page creates, so a test can lose it (WEBGL_lose_context). */
function recordGlContexts() {
  const w = window as unknown as { __gl: WebGLRenderingContext[] };
  w.__gl = [];
  for (const proto of [HTMLCanvasElement.prototype, ...(typeof OffscreenCanvas === 'undefined' ? [] : [OffscreenCanvas.prototype])]) {
    const original = proto.getContext as (this: unknown, type: string, options?: unknown) => unknown;
    (proto as unknown as { getContext: typeof original }).getContext = function (this: unknown, type: string, options?: unknown) {
      const ctx = original.call(this, type, options);
      if (ctx && /webgl/.test(type)) w.__gl.push(ctx as WebGLRenderingContext);
      return ctx;
    };
  }
}

/** A browser without WebGL: every WebGL context request answers null. */
function noWebgl() {
  for (const proto of [HTMLCanvasElement.prototype, ...(typeof OffscreenCanvas === 'undefined' ? [] : [OffscreenCanvas.prototype])]) {
    const original = proto.getContext as (this: unknown, type: string, options?: unknown) => unknown;
    (proto as unknown as { getContext: typeof original }).getContext = function (this: unknown, type: string, options?: unknown) {
      return /webgl/.test(type) ? null : original.call(this, type, options);
    };
  }
}

const backendOf = (page: Page) => page.evaluate(() => (window as unknown as HookWindow).__showAndTell?.backend?.() ?? null);

describe('backends', () => {
  test('without WebGL, a page asking for it runs on wasm and says so', async () => {
    const { context, page, errors } = await newPage();
    try {
      await page.addInitScript(noWebgl);
      await page.goto(`${origin}/explore/?backend=webgl`);
      await waitForCaptions(page);
      await expect(backendOf(page)).resolves.toBe('wasm');
      await expect(text(page, 'model-backend')).resolves.toBe('WebAssembly (CPU)');
      expect(errors.filter((e) => !/webgl|WebGL|backend/i.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('WebGL lost mid-session: the model moves to wasm, the reader keeps photo, step and decoder', async () => {
    const { context, page } = await newPage();
    try {
      await page.addInitScript(recordGlContexts);
      await page.goto(`${origin}/explore/?backend=webgl&photo=kite&decoder=greedy&step=2`);
      await waitForCaptions(page);
      await expect(backendOf(page)).resolves.toBe('webgl');
      await expect(text(page, 'model-backend')).resolves.toBe('WebGL (GPU)');
      const before = await page.evaluate(() => location.search);
      const captions = await page.evaluate(() => (window as unknown as HookWindow).__showAndTell!.captions!());
      const lost = await page.evaluate(() => {
        let n = 0;
        for (const gl of (window as unknown as { __gl: WebGLRenderingContext[] }).__gl) {
          const ext = gl.getExtension('WEBGL_lose_context');
          if (ext && !gl.isContextLost()) {
            ext.loseContext();
            n++;
          }
        }
        return n;
      });
      expect(lost).toBeGreaterThan(0);
      await page.waitForFunction(() => (window as unknown as HookWindow).__showAndTell?.backend?.() === 'wasm', null, { timeout: 60_000 });
      await waitForCaptions(page, captions + 1);
      await waitForPhase(page, 'ready');
      await expect(text(page, 'model-backend')).resolves.toBe('WebAssembly (CPU)');
      const after = new URLSearchParams(await page.evaluate(() => location.search));
      const was = new URLSearchParams(before);
      for (const key of ['photo', 'decoder', 'step']) expect(after.get(key), key).toBe(was.get(key));
      expect(after.get('photo')).toBe('kite');
    } finally {
      await context.close();
    }
  }, 180_000);

  // Without WebGL too: a requested wasm backend that fails falls back to WebGL where there is one.
  test('wasm binaries missing (and no WebGL): it runs on plain JavaScript and says so', async () => {
    const { context, page } = await newPage();
    try {
      await page.addInitScript(noWebgl);
      await page.route('**/*.wasm', (route) => route.fulfill({ status: 404, body: 'not found' }));
      await page.goto(`${origin}/explore/?backend=wasm`);
      await waitForCaptions(page, 1, 170_000);
      await expect(backendOf(page)).resolves.toBe('cpu');
      await expect(text(page, 'model-backend')).resolves.toMatch(/plain JavaScript/);
    } finally {
      await context.close();
    }
  }, 200_000);

  test('no WebAssembly at all (and no WebGL): plain JavaScript', async () => {
    const { context, page } = await newPage();
    try {
      await page.addInitScript(noWebgl);
      await page.addInitScript(() => {
        delete (globalThis as { WebAssembly?: unknown }).WebAssembly;
      });
      await page.goto(`${origin}/explore/?backend=wasm`);
      await page.waitForFunction(() => (window as unknown as HookWindow).__showAndTell?.backend?.() === 'cpu', null, { timeout: 90_000 });
      await waitForPhase(page, 'ready');
    } finally {
      await context.close();
    }
  }, 120_000);
});

describe('a slow network', () => {
  test('the download shows a progress bar with bytes and percent', async () => {
    const { context, page } = await newPage();
    try {
      // Record every status line and bar value from the first script on.
      await page.addInitScript(() => {
        const seen: { text: string; value: number | null; hidden: boolean }[] = [];
        (window as unknown as { __seen: typeof seen }).__seen = seen;
        const record = () => {
          const line = document.querySelector('[data-testid="model-status"]');
          const bar = document.querySelector<HTMLProgressElement>('[data-testid="model-progress"]');
          if (line && bar) seen.push({ text: line.textContent ?? '', value: bar.hasAttribute('value') ? bar.value : null, hidden: bar.hidden });
        };
        new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
      });
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      // About 2 MB/s: the two 4 MB weight files take a few seconds each.
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 50, downloadThroughput: 2_000_000, uploadThroughput: 500_000 });
      await page.goto(`${origin}/explore/?backend=wasm`);
      await waitForCaptions(page, 1, 170_000);
      const seen = await page.evaluate(() => (window as unknown as { __seen: { text: string; value: number | null; hidden: boolean }[] }).__seen);
      const progress = seen.filter((s) => /Downloading .*: [\d.]+ [kM]?B of [\d.]+ MB \(\d+ %\)/.test(s.text));
      const percents = new Set(progress.map((s) => /\((\d+) %\)/.exec(s.text)![1]));
      expect(percents.size).toBeGreaterThanOrEqual(5);
      expect(progress.some((s) => /centernet\.bin/.test(s.text))).toBe(true);
      expect(progress.some((s) => /weights\.bin/.test(s.text))).toBe(true);
      const bars = progress.filter((s) => !s.hidden && s.value !== null && s.value > 0 && s.value < 1);
      expect(bars.length).toBeGreaterThan(0);
      await expect(page.locator('[data-testid="model-progress"]').first().isHidden()).resolves.toBe(true);
    } finally {
      await context.close();
    }
  }, 200_000);
});
