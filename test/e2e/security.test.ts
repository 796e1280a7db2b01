/**
 * Security (issue #9) on the built site: every page carries the Content-Security-Policy
 * (scripts/site-policy.mjs) and loads with no violation of it and no request to another origin,
 * and still captions; the built HTML has no inline scripts; hostile file names and URL values
 * never run as code or become markup.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { contentSecurityPolicy } from '../../scripts/site-policy.mjs';
import { PROPERTIES } from '../../src/state/state';
import { collectErrors, launch } from './browser';

const origin = inject('origin');

/** Every page of the built site, as a route ("/", "/explore/", …). */
function routes(dir = 'dist', prefix = '/'): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name === 'index.html') out.push(prefix);
    else if (statSync(full).isDirectory() && !['_astro', 'models', 'examples', 'wasm', 'flickr8k-test'].includes(name)) out.push(...routes(full, `${prefix}${name}/`));
  }
  return out.sort();
}
const ROUTES = routes();

interface Watch {
  violations: string[];
  offOrigin: string[];
}

/** Records CSP violations (in the page) and aborts, and records, any request off our origin. */
async function watch(context: BrowserContext, page: Page): Promise<Watch> {
  const w: Watch = { violations: [], offOrigin: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url === origin) return route.continue();
    w.offOrigin.push(url);
    return route.abort('blockedbyclient');
  });
  await page.exposeFunction('__reportViolation', (v: string) => w.violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      void (window as unknown as { __reportViolation(v: string): void }).__reportViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
    });
  });
  return w;
}

/** A trap on the HTML sinks: any markup containing `marker` written by script is recorded. */
function trapHtmlSinks(marker: string) {
  const hits: string[] = [];
  (window as unknown as { __sinkHits: string[] }).__sinkHits = hits;
  const wrap = (proto: object, prop: string) => {
    const d = Object.getOwnPropertyDescriptor(proto, prop);
    if (!d?.set) return;
    Object.defineProperty(proto, prop, {
      ...d,
      set(this: Element, v: string) {
        if (String(v).includes(marker)) hits.push(`${prop}: ${String(v).slice(0, 80)}`);
        d.set!.call(this, v);
      },
    });
  };
  wrap(Element.prototype, 'innerHTML');
  wrap(Element.prototype, 'outerHTML');
  const insert = Element.prototype.insertAdjacentHTML;
  Element.prototype.insertAdjacentHTML = function (this: Element, where: InsertPosition, html: string) {
    if (html.includes(marker)) hits.push(`insertAdjacentHTML: ${html.slice(0, 80)}`);
    return insert.call(this, where, html);
  };
}

type HookWindow = Window & { __showAndTell?: { captions?(): number }; __xss?: unknown; __sinkHits?: string[] };

/** Waits until the page shows a live caption, on whichever figure it has; false if it has none. */
async function captions(page: Page): Promise<boolean> {
  const live = await page.evaluate(() => !!document.querySelector('[data-model-status], [data-caption-figure]'));
  if (!live) return false;
  await page.waitForFunction(
    () => ((window as unknown as HookWindow).__showAndTell?.captions?.() ?? 0) >= 1 || (document.querySelector('[data-testid="caption"]')?.textContent ?? '').trim().length > 0,
    null,
    { timeout: 120_000 },
  );
  return true;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('the built HTML', () => {
  test.each(ROUTES)('%s: the policy comes before any script or stylesheet, and no script is inline', (route) => {
    const html = readFileSync(path.join('dist', route, 'index.html'), 'utf8');
    const meta = html.indexOf('http-equiv="Content-Security-Policy"');
    expect(meta).toBeGreaterThan(0);
    expect(html).toContain(`content="${contentSecurityPolicy()}"`);
    for (const m of html.matchAll(/<(script|link|style)\b[^>]*>/g)) {
      if (m[0].startsWith('<link') && !/rel="?stylesheet|rel="?modulepreload/.test(m[0])) continue;
      expect(m.index!, `${m[0]} comes before the policy`).toBeGreaterThan(meta);
    }
    const inline = [...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>/g)].filter((m) => !/type="application\/(ld\+)?json"/.test(m[0]));
    expect(inline.map((m) => m[0])).toEqual([]);
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers
  });
});

describe('each page under the policy', () => {
  test.each(ROUTES)('%s: no CSP violation, no request off the origin, and it still captions', async (route) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectErrors(page);
    const w = await watch(context, page);
    try {
      await page.goto(`${origin}${route}?backend=wasm`);
      const live = await captions(page);
      await page.waitForTimeout(1500); // late work: workers, lazy views, the service worker's registration
      expect(w.violations).toEqual([]);
      expect(w.offOrigin).toEqual([]);
      expect(errors.filter((e) => /Content Security Policy|Refused to/.test(e))).toEqual([]);
      if (route === '/explore/') expect(live).toBe(true);
    } finally {
      await context.close();
    }
  }, 180_000);
});

const PAYLOAD = '<img src=x onerror=window.__xss=1>';
const PAYLOADS = [PAYLOAD, '"><svg onload=window.__xss=2>', "javascript:window.__xss=3//", '</script><script>window.__xss=4</script>', '{{constructor.constructor("window.__xss=5")()}}'];

describe('hostile input stays text', () => {
  let context: BrowserContext;
  let page: Page;
  let w: Watch;

  beforeAll(async () => {
    context = await browser.newContext({ serviceWorkers: 'block' });
    page = await context.newPage();
    w = await watch(context, page);
    await page.addInitScript(trapHtmlSinks, '__xss');
    await page.goto(`${origin}/explore/?backend=wasm`);
    await captions(page);
  }, 180_000);
  afterAll(() => context?.close());

  const resultPhoto = () => page.evaluate(() => (window as unknown as { __showAndTell: { resultPhoto(): string | null } }).__showAndTell.resultPhoto());

  const clean = async () => {
    const state = await page.evaluate(() => ({
      xss: (window as unknown as HookWindow).__xss ?? null,
      sinks: (window as unknown as HookWindow).__sinkHits ?? [],
      injected: document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload]').length,
    }));
    expect(state).toEqual({ xss: null, sinks: [], injected: 0 });
    expect(w.violations).toEqual([]);
  };

  test('a file named like markup (a real image and a broken one)', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c04020' } }).png().toBuffer();
    const input = page.locator('[data-testid="image-file"]');
    await input.setInputFiles({ name: `${PAYLOAD}.png`, mimeType: 'image/png', buffer: png });
    await page.waitForFunction(() => (window as unknown as { __showAndTell: { resultPhoto(): string } }).__showAndTell.resultPhoto() === 'upload', null, { timeout: 120_000 });
    await expect(page.locator('[data-testid="picked-photo"]').getAttribute('alt')).resolves.toContain(PAYLOAD);
    await clean();
    await input.setInputFiles({ name: `${PAYLOADS[1]}.png`, mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
    await page.waitForFunction(() => document.querySelector('[data-testid="image-status"]')?.classList.contains('error'), null, { timeout: 60_000 });
    await expect(page.locator('[data-testid="image-status"]').textContent()).resolves.toContain('svg onload');
    await clean();
  }, 180_000);

  test.each(PAYLOADS)('URL state: every key set to %s', async (payload) => {
    const params = new URLSearchParams({ backend: 'wasm' });
    for (const p of PROPERTIES) params.set(p.key, payload);
    await page.goto(`${origin}/explore/?${params}`);
    await captions(page);
    await page.waitForTimeout(300);
    await clean();
    // Every hostile value fell back to its default: the default photo was captioned.
    await expect(resultPhoto()).resolves.toBe('dog');
  }, 180_000);

  test('forced words from a link: hostile ones are refused, the caption still comes', async () => {
    await page.goto(`${origin}/explore/?backend=wasm&force=${encodeURIComponent(`a.${PAYLOAD}.dog`)}`);
    await captions(page);
    await clean();
    await expect(resultPhoto()).resolves.toBe('dog');
    // The refused prefix is not forced: the stepper shows no word from it.
    const prefix = await page.locator('[data-testid="stepper-prefix"]').textContent();
    expect(prefix ?? '').not.toMatch(/onerror|<img/);
  }, 180_000);

  test('the page tells the reader that photos and camera frames stay in the browser', async () => {
    await expect(page.locator('[data-testid="model-privacy"]').first().textContent()).resolves.toMatch(/no photo or camera frame leaves your browser/);
  });
});
