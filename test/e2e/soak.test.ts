/**
 * Soak (issue #9): SOAK_CAPTIONS (default 500) captions in a row on the built explore page —
 * example photos, resampling, beam widths and uploads in turn — keep tf.memory().numTensors and
 * the JS objects the page retains flat within 5 % after a warm-up of 50 captions. Several minutes
 * at 500: `npm run test:soak` runs this file alone, by hand (CI runs `npm test`, which skips it).
 *
 * What "the JS heap" means here: the self sizes of every JavaScript value in a V8 heap snapshot
 * (objects, closures, arrays, strings, numbers, ...) taken after two full collections — leaked
 * listeners, caches, traces or DOM wrappers all land there. V8's own compiled code is left out:
 * `Runtime.getHeapUsage().usedSize` also counts the machine code, bytecode and feedback that V8
 * keeps adding as more functions of tfjs, d3 and KaTeX get hot enough to optimise. That is JIT
 * warm-up, bounded by the size of the bundle (the CSP forbids eval, so no new functions can
 * appear), and it was nearly all of the growth that failed this test on usedSize: between captions
 * 50 and 150, +244 kB of V8 heap, of which +232 kB compiled code and +12 kB JS values (heap
 * snapshots, issue #9). Both numbers are printed, so a change in either stays visible.
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

interface Heap {
  /** Runtime.getHeapUsage().usedSize: the whole V8 heap, compiled code included. */
  used: number;
  /** Self sizes of the JavaScript values in a heap snapshot (everything but code and native objects). */
  values: number;
  /** Self sizes of V8's compiled code, bytecode and feedback in the same snapshot. */
  code: number;
}

/** Heap snapshot node types that hold the page's own values (the rest: 'code', Blink's 'native', 'synthetic' roots). */
const VALUE_TYPES = new Set(['hidden', 'array', 'string', 'object', 'closure', 'regexp', 'number', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape']);

async function heapAfterGc(cdp: CDPSession): Promise<Heap> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const used = (await cdp.send('Runtime.getHeapUsage')).usedSize;
  const chunks: string[] = [];
  const onChunk = (p: { chunk: string }) => chunks.push(p.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  const snapshot = JSON.parse(chunks.join('')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[] };
  const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta;
  const typeAt = fields.indexOf('type');
  const sizeAt = fields.indexOf('self_size');
  let values = 0;
  let code = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const size = snapshot.nodes[i + sizeAt]!;
    if (type === 'code') code += size;
    else if (VALUE_TYPES.has(type)) values += size;
  }
  if (values === 0 || code === 0) throw new Error(`heap snapshot format not understood (node types: ${types.join(', ')})`);
  return { used, values, code };
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
const describeHeap = (h: Heap) => `${mb(h.values)} MB of JS values (+ ${mb(h.code)} MB compiled code; usedSize ${mb(h.used)} MB)`;

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
      let warm: { tensors: number; heap: Heap } | null = null;

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
      console.log(`soak: ${await captions(page)} captions; after warm-up ${warm!.tensors} tensors, ${describeHeap(warm!.heap)}; at the end ${end.tensors} tensors, ${describeHeap(end.heap)}`);
      expect(await captions(page)).toBeGreaterThanOrEqual(CAPTIONS);
      expect(end.tensors).toBeLessThanOrEqual(Math.ceil(warm!.tensors * 1.05));
      expect(end.heap.values).toBeLessThanOrEqual(warm!.heap.values * 1.05);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000 + CAPTIONS * 4_000);
});
