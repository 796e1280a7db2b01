/**
 * Offline (issue #9): after one visit the service worker (dist/sw.js, scripts/build-sw.mjs) holds
 * the pages, bundles, models, wasm binaries and example photos, so with the network off a reload
 * still captions an example, another example can be picked, and the other pages open.
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { collectErrors, launch } from './browser';

const origin = inject('origin');

// Playwright's context.setOffline() does not reach service workers (microsoft/playwright#2311):
// with it, Chromium fails navigations before the worker can answer. Instead the network is cut
// with a route that aborts every request that would leave the browser, the worker's own fetches
// included — which Playwright routes only with this flag, read when the browser is launched.
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';

type HookWindow = Window & { __showAndTell?: { captions?(): number; resultPhoto?(): string | null; backend?(): string | null } };

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function waitForCaption(page: Page, photo: string, timeout = 120_000): Promise<void> {
  await page.waitForFunction(
    (p) => {
      const h = (window as unknown as HookWindow).__showAndTell;
      return (h?.captions?.() ?? 0) >= 1 && h?.resultPhoto?.() === p;
    },
    photo,
    { timeout },
  );
}

/** Polls until the page's service worker is active (its precache complete). */
async function waitForActiveWorker(page: Page, timeout = 120_000): Promise<void> {
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    const state = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.state ?? null);
    if (state === 'activated') return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the service worker never became active');
}

/** Every request that reaches the network fails as it would with no connection; counted in `cut`. */
const cut: string[] = [];
async function goOffline(context: BrowserContext): Promise<void> {
  await context.route('**/*', (route) => {
    cut.push(route.request().url());
    return route.abort('internetdisconnected');
  });
}

describe('the site after one visit, with the network off', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    context = await browser.newContext();
    page = await context.newPage();
    errors = collectErrors(page);
    await page.goto(`${origin}/explore/?backend=wasm`);
    await waitForCaption(page, 'dog');
    // The worker registers once the model is ready and is active once its precache is complete.
    await waitForActiveWorker(page);
  }, 240_000);
  afterAll(() => context?.close());

  test('the worker keeps one cache, named after this build', async () => {
    const version = /const VERSION = "([0-9a-f]+)"/.exec(readFileSync('dist/sw.js', 'utf8'))![1];
    const keys = await page.evaluate(() => caches.keys());
    expect(keys.filter((k) => k.startsWith('show-and-tell-'))).toEqual([`show-and-tell-${version}`]);
    const cached = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname), `show-and-tell-${version}`);
    const decoder = (JSON.parse(readFileSync('public/models/current.json', 'utf8')) as { decoder: string }).decoder;
    for (const want of ['/', '/explore/', `/models/${decoder}/weights.bin`, '/models/encoder/centernet.bin', '/wasm/tfjs-backend-wasm-simd.wasm', '/examples/kite.jpg']) expect(cached).toContain(want);
    expect(cached.some((p) => p.startsWith('/_astro/') && p.endsWith('.js'))).toBe(true);
    expect(cached.some((p) => p.startsWith('/models/fixture/'))).toBe(false);
  });

  test('a reload offline captions the example again, from the worker', async () => {
    await goOffline(context);
    const fromWorker: string[] = [];
    const fromNetwork: string[] = [];
    page.on('response', (r) => (r.fromServiceWorker() ? fromWorker : fromNetwork).push(new URL(r.url()).pathname));
    await page.reload();
    await waitForCaption(page, 'dog');
    await expect(page.evaluate(() => (window as unknown as HookWindow).__showAndTell?.backend?.())).resolves.toBe('wasm');
    expect(fromWorker).toContain('/explore/');
    expect(fromWorker.some((p) => p.endsWith('.wasm'))).toBe(true);
    expect(fromWorker.some((p) => p.endsWith('/weights.bin'))).toBe(true);
    expect(fromNetwork).toEqual([]);
    // The network really was cut: the worker's network-first fetch of the page failed.
    expect(cut.some((u) => new URL(u).pathname === '/explore/')).toBe(true);
  });

  test('another example, by link, offline', async () => {
    await page.goto(`${origin}/explore/?backend=wasm&photo=kite`);
    await waitForCaption(page, 'kite');
    await expect(page.locator('[data-testid="picked-photo"]').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).resolves.toBe(true);
  });

  test('the other pages open offline', async () => {
    for (const route of ['/', '/model/']) {
      const response = await page.goto(`${origin}${route}`);
      expect(response?.ok(), route).toBe(true);
      await expect(page.locator('h1').first().textContent()).resolves.toMatch(/\w/);
    }
  });

  test('no errors but the ones the offline network itself causes', () => {
    expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource|Failed to fetch/.test(e))).toEqual([]);
  });

});
