/**
 * Fuzzing (issue #9) in the browser, on the built explore page:
 * - random and malformed URL states (the generator of test/unit/reliability-fuzz-state.test.ts,
 *   which runs 1,000 of them through the parser) loaded as real navigations: no uncaught
 *   exception, and the page still captions — the named example, or the default one;
 * - 200 uploads of random bytes and mutated images (the bad-image fixtures of
 *   scripts/make-bad-images.mjs and the example photos, bytes flipped, cut or spliced): no uncaught
 *   exception, the status line says why a file was refused, and the page stays responsive.
 * FUZZ_NAVIGATIONS and FUZZ_UPLOADS change the counts (defaults 25 and 200).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { mulberry32 } from '../../src/model/prng';
import { randomQuery } from '../unit/reliability-fuzz-state.test';
import { collectErrors, launch } from './browser';

const origin = inject('origin');
const NAVIGATIONS = Number(process.env.FUZZ_NAVIGATIONS ?? 25);
const UPLOADS = Number(process.env.FUZZ_UPLOADS ?? 200);

type HookWindow = Window & { __showAndTell?: { captions?(): number; resultPhoto?(): string | null } };

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Errors that are not the page's fault: a refused file's blob preview, a 404 for a photo a link named. */
const benign = (e: string) => /Failed to load resource/.test(e);

describe('random URL states, as real navigations', () => {
  test(`${NAVIGATIONS} links`, async () => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const errors = collectErrors(page);
    const random = mulberry32(97);
    try {
      for (let k = 0; k < NAVIGATIONS; k++) {
        const query = randomQuery(random).replace(/^\?/, '');
        // A huge query is cut to what browsers and servers accept (about 8 kB).
        const url = `${origin}/explore/?backend=wasm&${query}`.slice(0, 8000);
        await page.goto(url);
        try {
          await page.waitForFunction(() => ((window as unknown as HookWindow).__showAndTell?.captions?.() ?? 0) >= 1, null, { timeout: 90_000 });
        } catch (e) {
          const status = await page.locator('[data-testid="model-status"]').first().textContent();
          throw new Error(`no caption for ${url.slice(0, 300)}; status: ${status}; errors: ${errors.join(' | ')}`, { cause: e });
        }
        const photo = await page.evaluate(() => (window as unknown as HookWindow).__showAndTell!.resultPhoto!());
        expect(photo, url).toMatch(/^[a-z0-9_-]+$/);
        expect(errors.filter((e) => !benign(e)), url).toEqual([]);
      }
    } finally {
      await context.close();
    }
  }, 60_000 + NAVIGATIONS * 30_000);
});

/** One fuzzed upload: random bytes, or a real file flipped, truncated, or spliced with another. */
function fuzzedFile(random: () => number, sources: { name: string; bytes: Buffer }[], k: number): { name: string; bytes: Buffer; mimeType: string } {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const kind = k % 4;
  if (kind === 0) {
    const bytes = Buffer.alloc(Math.floor(random() * 5000));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    return { name: `random-${k}.${pick(['jpg', 'png', 'gif', 'webp', 'bin', ''])}`, bytes, mimeType: pick(['image/jpeg', 'image/png', 'application/octet-stream', '']) };
  }
  const source = pick(sources);
  const bytes = Buffer.from(source.bytes);
  if (kind === 1) {
    for (let flips = 1 + Math.floor(random() * 40); flips > 0; flips--) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
  } else if (kind === 2) {
    return { name: `cut-${k}-${source.name}`, bytes: bytes.subarray(0, Math.floor(random() * bytes.length)), mimeType: 'image/jpeg' };
  } else {
    const other = pick(sources).bytes;
    return { name: `spliced-${k}-${source.name}`, bytes: Buffer.concat([bytes.subarray(0, Math.floor(random() * bytes.length)), other.subarray(Math.floor(random() * other.length))]), mimeType: 'image/png' };
  }
  return { name: `flipped-${k}-${source.name}`, bytes, mimeType: 'image/jpeg' };
}

describe('random and mutated uploads', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    context = await browser.newContext({ serviceWorkers: 'block' });
    page = await context.newPage();
    errors = collectErrors(page);
    await page.goto(`${origin}/explore/?backend=wasm`);
    await page.waitForFunction(() => ((window as unknown as HookWindow).__showAndTell?.captions?.() ?? 0) >= 1, null, { timeout: 120_000 });
    await page.locator('[data-testid="tab-upload"]').click();
  }, 180_000);
  afterAll(() => context?.close());

  test(`${UPLOADS} files: each refused with a reason or captioned; the page keeps responding`, async () => {
    const bad = path.resolve('test/fixtures/bad-images');
    const sources = [
      ...readdirSync(bad).map((name) => ({ name, bytes: readFileSync(path.join(bad, name)) })),
      ...['dog.jpg', 'kite.jpg'].map((name) => ({ name, bytes: readFileSync(path.join('public/examples', name)) })),
    ];
    const random = mulberry32(4242);
    let refused = 0;
    let captioned = 0;
    for (let k = 0; k < UPLOADS; k++) {
      const file = fuzzedFile(random, sources, k);
      await page.locator('[data-testid="image-file"]').setInputFiles({ name: file.name, mimeType: file.mimeType, buffer: file.bytes });
      // Settled: refused (an error sentence) or captioned; never stuck on "reading…".
      const handle = await page.waitForFunction(
        () => {
          const status = document.querySelector('[data-testid="image-status"]');
          const text = status?.textContent ?? '';
          if (status?.classList.contains('error')) return { refused: true, text };
          return /^Captioned/.test(text) ? { refused: false, text } : null;
        },
        null,
        { timeout: 90_000 },
      );
      const outcome = (await handle.jsonValue()) as { refused: boolean; text: string };
      if (outcome.refused) {
        refused++;
        expect(outcome.text, file.name).toMatch(/\w.*\./); // a sentence that says why
      } else captioned++;
      // Responsive: a timer fires within a second of asking.
      const tick = await page.evaluate(() => new Promise<number>((resolve) => {
        const t0 = performance.now();
        setTimeout(() => resolve(performance.now() - t0), 0);
      }));
      expect(tick).toBeLessThan(1000);
      await page.evaluate(() => {
        const status = document.querySelector('[data-testid="image-status"]');
        if (status) {
          status.textContent = '';
          status.classList.remove('error');
        }
      });
    }
    expect(refused).toBeGreaterThan(UPLOADS / 4);
    expect(refused + captioned).toBe(UPLOADS);
    // Still alive: animation frames run and an example still captions.
    await expect(page.evaluate(() => new Promise<boolean>((resolve) => requestAnimationFrame(() => resolve(true))))).resolves.toBe(true);
    expect(errors.filter((e) => !benign(e))).toEqual([]);
  }, 60_000 + UPLOADS * 5_000);
});
