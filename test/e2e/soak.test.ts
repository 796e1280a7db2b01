/**
 * Soak (issue #9): SOAK_CAPTIONS (default 500) captions in a row on the built explore page —
 * example photos, resampling, beam widths and uploads in turn — keep tf.memory().numTensors and
 * the JS heap (CDP Runtime.getHeapUsage after HeapProfiler.collectGarbage) flat within 5 % after a
 * warm-up of 50 captions. Several minutes at 500: `npm run test:soak` runs this file alone.
 */
import type { Browser, CDPSession, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { collectErrors, launch } from './browser';

const origin = inject('origin');
const CAPTIONS = Number(process.env.SOAK_CAPTIONS ?? 500);
const WARM_UP = Math.min(50, Math.floor(CAPTIONS / 5));

type HookWindow = Window & { __showAndTell: { captions(): number; numTensors(): number } };

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  return (await cdp.send('Runtime.getHeapUsage')).usedSize;
}

const captions = (page: Page) => page.evaluate(() => (window as unknown as HookWindow).__showAndTell.captions());

describe('soak', () => {
  test(`${CAPTIONS} captions: tensors and heap stay flat`, async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    const cdp = await page.context().newCDPSession(page);
    try {
      await page.goto(`${origin}/explore/?backend=wasm`);
      await page.waitForFunction(() => ((window as unknown as Partial<HookWindow>).__showAndTell?.captions?.() ?? 0) >= 1, null, { timeout: 120_000 });
      const examples = await page.$$eval('input[name="picker-photo"][data-kind="example"]', (els) => els.map((e) => (e as HTMLInputElement).value));
      const uploads = await Promise.all(
        ['#c04020', '#2080c0', '#40a040'].map((colour, k) => sharp({ create: { width: 160 + 40 * k, height: 120, channels: 3, background: colour } }).jpeg().toBuffer()),
      );
      let photo = 0;
      let warm: { tensors: number; heap: number } | null = null;

      for (let n = 1; n < CAPTIONS; n++) {
        const before = await captions(page);
        const kind = n % 4;
        if (kind === 0) {
          photo = (photo + 1) % examples.length;
          await page.locator(`[data-testid="example-${examples[photo]}"]`).evaluate((el: HTMLInputElement) => {
            el.checked = true;
            el.dispatchEvent(new Event('change', { bubbles: true }));
          });
        } else if (kind === 1) {
          await page.locator('[data-testid="resample"]').click();
        } else if (kind === 2) {
          // k cycles through 1…5, always a different value from the current one.
          await page.locator('[data-testid="beam-k"]').evaluate((el: HTMLInputElement) => {
            el.value = String((Number(el.value) % 5) + 1);
            el.dispatchEvent(new Event('input', { bubbles: true }));
            el.dispatchEvent(new Event('change', { bubbles: true }));
          });
        } else {
          await page.locator('[data-testid="image-file"]').setInputFiles({ name: `soak-${n}.jpg`, mimeType: 'image/jpeg', buffer: uploads[n % uploads.length]! });
        }
        await page.waitForFunction((c) => (window as unknown as HookWindow).__showAndTell.captions() > c, before, { timeout: 60_000 }).catch((e: unknown) => {
          throw new Error(`caption ${n} (action ${['example', 'resample', 'beam width', 'upload'][kind]}) never came; url ${page.url()}`, { cause: e });
        });
        if (n === WARM_UP) {
          await page.waitForTimeout(200);
          warm = { tensors: await page.evaluate(() => (window as unknown as HookWindow).__showAndTell.numTensors()), heap: await heapAfterGc(cdp) };
        }
      }
      await page.waitForTimeout(200);
      const end = { tensors: await page.evaluate(() => (window as unknown as HookWindow).__showAndTell.numTensors()), heap: await heapAfterGc(cdp) };
      console.log(`soak: ${await captions(page)} captions; after warm-up ${warm!.tensors} tensors, ${(warm!.heap / 1e6).toFixed(1)} MB heap; at the end ${end.tensors} tensors, ${(end.heap / 1e6).toFixed(1)} MB heap`);
      expect(await captions(page)).toBeGreaterThanOrEqual(CAPTIONS);
      expect(end.tensors).toBeLessThanOrEqual(Math.ceil(warm!.tensors * 1.05));
      expect(end.heap).toBeLessThanOrEqual(warm!.heap * 1.05);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000 + CAPTIONS * 4_000);
});
