/**
 * Image in (issue #4) on the built explore page, live model on wasm: the gallery from the keyboard,
 * the reader's own file (file picker, drop, paste), bad files answered with a sentence while the
 * previous image and caption stay, the webcam (denied, absent, and a fake camera whose stream
 * must stop), and no tensor leak over 50 captions. Works with whatever model current.json names.
 *
 * The page's read-only debug hook `window.__showAndTell` (src/components/image-picker.ts) gives
 * the caption count, the photo of the latest result and tf.memory().numTensors.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { collectErrors, launch, injectAxe } from './browser';

const origin = inject('origin');
const BAD = path.resolve('test/fixtures/bad-images');
const EXAMPLES = path.resolve('public/examples');
const EXPLORE = `${origin}/explore/?backend=wasm`;

interface Hook {
  numTensors(): number;
  captions(): number;
  resultPhoto(): string | null;
}
type HookWindow = Window & { __showAndTell: Hook };

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const hook = <K extends keyof Hook>(page: Page, key: K) => page.evaluate((k) => (window as unknown as HookWindow).__showAndTell[k]() as ReturnType<Hook[K]>, key);
const text = async (page: Page, testid: string) => ((await page.locator(`[data-testid="${testid}"]`).textContent()) ?? '').trim();

/** Waits until at least `count` live captions have been published, the latest for `photo`. */
async function waitForCaptions(page: Page, count: number, photo?: string, timeout = 120_000): Promise<void> {
  await page.waitForFunction(
    ([n, p]) => {
      const h = (window as unknown as Partial<HookWindow>).__showAndTell;
      return !!h && h.captions() >= n && (p === null || h.resultPhoto() === p);
    },
    [count, photo ?? null] as const,
    { timeout },
  );
}

async function openExplore(page: Page, query = ''): Promise<void> {
  await page.goto(`${EXPLORE}${query}`);
  await waitForCaptions(page, 1);
}

/** Press Tab until the focused element matches `selector`. */
async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let k = 0; k < max; k++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Goes to a picker tab from the keyboard: focus the selected tab, then arrow keys. */
async function keyboardToTab(page: Page, name: 'examples' | 'upload' | 'webcam'): Promise<void> {
  await page.locator('[role="tab"][aria-selected="true"]').focus();
  for (let k = 0; k < 3 && (await page.locator(`[data-testid="tab-${name}"]`).getAttribute('aria-selected')) !== 'true'; k++) await page.keyboard.press('ArrowRight');
  await expect(page.locator(`[data-testid="tab-${name}"]`).getAttribute('aria-selected')).resolves.toBe('true');
}

async function upload(page: Page, name: string, buffer: Buffer, mimeType = 'application/octet-stream'): Promise<void> {
  await page.locator('[data-testid="image-file"]').setInputFiles({ name, mimeType, buffer });
}

/** Waits for the status line to say something matching `pattern`; returns it. */
async function statusMatching(page: Page, pattern: RegExp, timeout = 60_000): Promise<string> {
  await page.waitForFunction(
    ([source, flags]) => new RegExp(source, flags).test(document.querySelector('[data-testid="image-status"]')?.textContent ?? ''),
    [pattern.source, pattern.flags] as const,
    { timeout },
  );
  return text(page, 'image-status');
}

describe('gallery, uploads and bad input', () => {
  let page: Page;
  let errors: string[];
  const requests: string[] = [];

  beforeAll(async () => {
    page = await browser.newPage();
    errors = collectErrors(page);
    page.on('request', (r) => requests.push(r.url()));
    await openExplore(page);
  }, 180_000);

  test('the first example is shown, credited, and "what the CNN sees" has five scored bars', async () => {
    await expect(hook(page, 'resultPhoto')).resolves.toBe('dog');
    await expect(page.locator('[data-testid="picked-photo"]').getAttribute('src')).resolves.toMatch(/\/examples\/dog\.jpg$/);
    await expect(text(page, 'picked-credit')).resolves.toMatch(/^dog\.jpg: .*Joseph Redmon/);
    const rows = await page.locator('[data-testid="cnn-classes"] li').allTextContents();
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toMatch(/^[a-z ]+ \d\.\d\d$/);
    expect(rows.join(' ')).toMatch(/\bdog\b/); // CenterNet finds the dog in the dog photo
    await expect(page.locator('[data-testid="cnn-classes-empty"]').isHidden()).resolves.toBe(true);
  });

  test('an example is chosen from the keyboard (Tab into the gallery, arrow key)', async () => {
    const before = await hook(page, 'captions');
    await page.locator('[data-testid="tab-examples"]').focus();
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).resolves.toBe('example-dog');
    await page.keyboard.press('ArrowRight');
    const next = await page.evaluate(() => document.activeElement?.getAttribute('value'));
    expect(next).not.toBe('dog');
    await waitForCaptions(page, before + 1, next!);
    expect(new URL(page.url()).searchParams.get('photo')).toBe(next);
    await expect(page.locator('[data-testid="picked-photo"]').getAttribute('src')).resolves.toMatch(new RegExp(`/examples/${next}\\.jpg$`));
    await expect(text(page, 'picked-credit')).resolves.toContain(`${next}.jpg`);
  });

  test('the tabs follow the ARIA pattern: arrows move, one panel shows', async () => {
    await keyboardToTab(page, 'upload');
    await expect(page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).resolves.toBe('tab-upload');
    await expect(page.locator('#picker-panel-upload').isVisible()).resolves.toBe(true);
    await expect(page.locator('#picker-panel-examples').isVisible()).resolves.toBe(false);
    await keyboardToTab(page, 'examples');
    await expect(page.locator('#picker-panel-examples').isVisible()).resolves.toBe(true);
  });

  test('uploading an example file captions it like the example itself', async () => {
    await page.locator('[data-testid="example-kite"]').check();
    await waitForCaptions(page, 1, 'kite');
    const exampleBars = await page.locator('[data-testid="cnn-classes"] li').allTextContents();
    const before = await hook(page, 'captions');
    await keyboardToTab(page, 'upload');
    await upload(page, 'kite.jpg', readFileSync(path.join(EXAMPLES, 'kite.jpg')), 'image/jpeg');
    await waitForCaptions(page, before + 1, 'upload');
    await expect(statusMatching(page, /Captioned the image \(1280 × 852 pixels\)/)).resolves.toBeTruthy();
    await expect(page.locator('[data-testid="picked-photo"]').getAttribute('src')).resolves.toMatch(/^blob:/);
    await expect(text(page, 'picked-credit')).resolves.toMatch(/stays on this device/);
    // Same bytes, same pixels, same encoder: the same classes and scores. (The example's feature may
    // be precomputed in Node; the encoder-parity test bounds that difference at 1e-3, so a score's
    // second decimal may round the other way — no more.)
    const uploadBars = await page.locator('[data-testid="cnn-classes"] li').allTextContents();
    const parse = (rows: string[]) => rows.map((r) => /^(.+) (\d\.\d\d)$/.exec(r)!).map((m) => ({ name: m[1], score: Number(m[2]) }));
    expect(parse(uploadBars).map((b) => b.name)).toEqual(parse(exampleBars).map((b) => b.name));
    parse(uploadBars).forEach((b, i) => expect(Math.abs(b.score - parse(exampleBars)[i]!.score)).toBeLessThanOrEqual(0.011));
    // The reader's photo is not in the URL: a link cannot carry it.
    expect(new URL(page.url()).searchParams.get('photo')).toBe('upload');
    await expect(page.locator('[data-testid="example-gallery"] input:checked').count()).resolves.toBe(0);
  });

  const refused: [string, () => Promise<Buffer>, RegExp][] = [
    ['not-an-image.jpg', async () => readFileSync(path.join(BAD, 'not-an-image.jpg')), /“not-an-image\.jpg”: This file is not an image: it looks like a text file/],
    ['document.pdf', async () => readFileSync(path.join(BAD, 'document.pdf')), /not an image: it looks like a PDF document/],
    ['truncated.jpg', async () => readFileSync(path.join(BAD, 'truncated.jpg')), /JPEG file is cut off/],
    ['corrupt.jpg', async () => readFileSync(path.join(BAD, 'corrupt.jpg')), /This JPEG is damaged/],
    ['one-pixel.png', async () => readFileSync(path.join(BAD, 'one-pixel.png')), /only 1 × 1 pixels: too small/],
    ['IMG_0001.heic', async () => readFileSync(path.join(BAD, 'fake.heic')), /HEIC photo \(the iPhone's default format\), which this browser cannot decode/],
    [
      'huge.jpg',
      // 12,000 × 12,000 (144 MP, ~0.8 MB as JPEG): refused from its header, before any pixel is decoded.
      () => sharp({ create: { width: 12000, height: 12000, channels: 3, background: '#2080c0' } }).jpeg({ quality: 50 }).toBuffer(),
      /12,000 × 12,000 pixels \(144 megapixels\)/,
    ],
  ];

  for (const [name, bytes, message] of refused) {
    test(`a bad file (${name}) gets a friendly message; the previous image and caption stay`, async () => {
      const captions = await hook(page, 'captions');
      const photo = await hook(page, 'resultPhoto');
      const src = await page.locator('[data-testid="picked-photo"]').getAttribute('src');
      const bars = await page.locator('[data-testid="cnn-classes"] li').allTextContents();
      await upload(page, name, await bytes());
      const said = await statusMatching(page, message);
      expect(said).toMatch(/The previous image is still in use\.$/);
      await expect(page.locator('[data-testid="image-status"]').getAttribute('class')).resolves.toContain('error');
      await expect(page.locator('[data-testid="image-status"]').getAttribute('role')).resolves.toBe('status');
      // Nothing reached the session: no new caption, same photo, same picture, same bars.
      await page.waitForTimeout(300);
      await expect(hook(page, 'captions')).resolves.toBe(captions);
      await expect(hook(page, 'resultPhoto')).resolves.toBe(photo);
      await expect(page.locator('[data-testid="picked-photo"]').getAttribute('src')).resolves.toBe(src);
      await expect(page.locator('[data-testid="cnn-classes"] li').allTextContents()).resolves.toEqual(bars);
    });
  }

  const accepted: [string, string, RegExp][] = [
    ['alpha.png', 'image/png', /Captioned the image \(64 × 64 pixels\)\. Its transparent parts are shown on white/],
    ['animated.gif', 'image/gif', /Captioned the image \(48 × 48 pixels\)\. This image is animated; the model sees its first frame only/],
    ['cmyk.jpg', 'image/jpeg', /Captioned the image \(64 × 48 pixels\)\. It is a CMYK/],
    // Stored 60 × 40 with EXIF orientation 6: the model sees it upright, 40 × 60.
    ['rotated-exif6.jpg', 'image/jpeg', /Captioned the image \(40 × 60 pixels\)\.$/],
  ];
  for (const [name, type, message] of accepted) {
    test(`an awkward but valid file (${name}) is captioned, with a note`, async () => {
      const before = await hook(page, 'captions');
      await upload(page, name, readFileSync(path.join(BAD, name)), type);
      await waitForCaptions(page, before + 1, 'upload');
      await expect(statusMatching(page, message)).resolves.toBeTruthy();
      await expect(page.locator('[data-testid="image-status"]').getAttribute('class')).resolves.not.toContain('error');
    });
  }

  test('an image dropped on the picker is captioned; a dropped link is explained', async () => {
    const before = await hook(page, 'captions');
    const bytes = [...readFileSync(path.join(EXAMPLES, 'eagle.jpg'))];
    await page.evaluate((data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'eagle.jpg', { type: 'image/jpeg' }));
      const zone = document.querySelector('[data-testid="image-picker"]')!;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await waitForCaptions(page, before + 1, 'upload');
    await statusMatching(page, /Captioned the image \(\d+ × \d+ pixels\)/);
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.setData('text/uri-list', 'https://example.com/cat.jpg');
      document.querySelector('[data-testid="image-picker"]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await statusMatching(page, /never fetches from other sites/);
  });

  test('an image pasted with Ctrl+V is captioned', async () => {
    const before = await hook(page, 'captions');
    const bytes = [...readFileSync(path.join(EXAMPLES, 'horses.jpg'))];
    await page.evaluate((data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'image.png', { type: 'image/jpeg' }));
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await waitForCaptions(page, before + 1, 'upload');
    await statusMatching(page, /Captioned the image \(\d+ × \d+ pixels\)/);
  });

  test('after all that, examples still work', async () => {
    const before = await hook(page, 'captions');
    await keyboardToTab(page, 'examples');
    await page.locator('[data-testid="example-giraffe"]').check();
    await waitForCaptions(page, before + 1, 'giraffe');
    await expect(text(page, 'image-status')).resolves.toBe('');
  });

  test('Flickr8k test images, when the dataset was there at build time, come with five human captions', async () => {
    const built = existsSync(path.resolve('dist/flickr8k-test/index.json'));
    const gallery = page.locator('[data-testid="flickr8k-gallery"]');
    await expect(gallery.count()).resolves.toBe(built ? 1 : 0);
    if (!built) return; // no dataset on this machine: the section is rightly absent
    const first = gallery.locator('input[type="radio"]').first();
    const before = await hook(page, 'captions');
    await first.check();
    await waitForCaptions(page, before + 1, 'upload');
    await expect(page.locator('[data-testid="references"]').isHidden()).resolves.toBe(false);
    await expect(page.locator('[data-testid="references"] li').count()).resolves.toBe(5);
    await expect(text(page, 'picked-credit')).resolves.toMatch(/Flickr8k test image .*Hodosh/);
    await expect(first.isChecked()).resolves.toBe(true);
  });

  test('a link naming "upload" falls back to an example (a link cannot carry the photo)', async () => {
    const other = await browser.newPage();
    await other.goto(`${EXPLORE}&photo=upload`);
    await waitForCaptions(other, 1, 'dog');
    await expect(statusMatching(other, /A link cannot carry your own photo/)).resolves.toBeTruthy();
    await other.close();
  });

  test('the picker has no accessibility violations axe-core can find, light and dark', async () => {
    await injectAxe(page);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(ctx: string): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe;
        return (await axe.run('[data-testid="image-picker"]')).violations.map((v) => `${v.id} (${v.nodes.length})`);
      });
      expect(violations, colorScheme).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: null });
  });

  test('no console errors, and no request off the site', () => {
    expect(requests).toContain(`${origin}/models/current.json`);
    const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('webcam', () => {
  /** Replaces getUserMedia before the page runs: fails with `window.__cameraError` if set, else a canvas stream. */
  async function stubCamera(page: Page, error: string | null): Promise<void> {
    await page.addInitScript((name) => {
      const w = window as unknown as { __cameraError: string | null; __cameraCalls: number; __tracks: MediaStreamTrack[] };
      w.__cameraError = name;
      w.__cameraCalls = 0;
      w.__tracks = [];
      const getUserMedia = async () => {
        w.__cameraCalls++;
        if (w.__cameraError) throw new DOMException('stubbed', w.__cameraError);
        const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 240 });
        const ctx = canvas.getContext('2d')!;
        let frame = 0;
        const draw = () => {
          ctx.fillStyle = frame++ % 2 ? '#3060c0' : '#3070c0';
          ctx.fillRect(0, 0, 320, 240);
        };
        draw();
        setInterval(draw, 50);
        const stream = canvas.captureStream(20);
        w.__tracks.push(...stream.getTracks());
        return stream;
      };
      Object.defineProperty(navigator, 'mediaDevices', { value: { getUserMedia }, configurable: true });
    }, error);
  }

  const cameraCalls = (page: Page) => page.evaluate(() => (window as unknown as { __cameraCalls: number }).__cameraCalls);
  const liveTracks = (page: Page) => page.evaluate(() => (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks.filter((t) => t.readyState === 'live').length);

  test('a denied camera, then an absent one, each get a friendly message; the page keeps working', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await stubCamera(page, 'NotAllowedError');
    await openExplore(page);
    await keyboardToTab(page, 'webcam');
    expect(await cameraCalls(page)).toBe(0); // nothing is asked before the button
    await tabTo(page, '[data-testid="webcam-start"]');
    await page.keyboard.press('Enter');
    await expect(statusMatching(page, /The camera was not allowed/)).resolves.toBeTruthy();
    await expect(page.locator('[data-testid="image-status"]').getAttribute('class')).resolves.toContain('error');
    await page.evaluate(() => ((window as unknown as { __cameraError: string }).__cameraError = 'NotFoundError'));
    await page.locator('[data-testid="webcam-start"]').focus();
    await page.keyboard.press('Enter');
    await expect(statusMatching(page, /No camera was found/)).resolves.toBeTruthy();
    await expect(hook(page, 'resultPhoto')).resolves.toBe('dog');
    await expect(page.locator('[data-testid="webcam-capture"]').isDisabled()).resolves.toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a working camera: live preview, capture from the keyboard, the stream stops at once', async () => {
    const page = await browser.newPage();
    await stubCamera(page, null);
    await openExplore(page);
    await keyboardToTab(page, 'webcam');
    await tabTo(page, '[data-testid="webcam-start"]');
    await page.keyboard.press('Enter');
    await statusMatching(page, /The camera is on/);
    await expect(page.locator('[data-testid="webcam-video"]').isVisible()).resolves.toBe(true);
    expect(await liveTracks(page)).toBe(1);
    // Focus moved to the capture button.
    await expect(page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).resolves.toBe('webcam-capture');
    const before = await hook(page, 'captions');
    await page.keyboard.press('Enter');
    await waitForCaptions(page, before + 1, 'webcam');
    expect(await liveTracks(page)).toBe(0);
    await expect(page.locator('[data-testid="webcam-video"]').isVisible()).resolves.toBe(false);
    await statusMatching(page, /Captioned your camera frame \(320 × 240 pixels\)/);
    await expect(page.locator('[data-testid="picked-photo"]').getAttribute('src')).resolves.toMatch(/^blob:/);

    // Leaving the webcam tab stops a running camera.
    await page.locator('[data-testid="webcam-start"]').click();
    await statusMatching(page, /The camera is on/);
    expect(await liveTracks(page)).toBe(1);
    await keyboardToTab(page, 'examples');
    expect(await liveTracks(page)).toBe(0);
    await page.close();
  });
});

describe('memory', () => {
  test('after 50 captions (examples and uploads mixed) the tensor count is back at its baseline', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await openExplore(page);
    const baseline = await hook(page, 'numTensors');
    const examples = ['horses', 'kite', 'eagle', 'dog', 'person'];
    const uploads = ['kite.jpg', 'coffee.jpg'].map((f) => readFileSync(path.join(EXAMPLES, f)));
    let current = 'dog';
    let count = await hook(page, 'captions');
    for (let i = 0; i < 50; i++) {
      if (i % 5 === 4) {
        await upload(page, `upload-${i}.jpg`, uploads[(i / 5) % 2 | 0]!, 'image/jpeg');
        current = 'upload';
      } else {
        const next = examples.find((e, k) => k >= i % examples.length && e !== current) ?? examples.find((e) => e !== current)!;
        await page.locator(`[data-testid="example-${next}"]`).check();
        current = next;
      }
      count++;
      await waitForCaptions(page, count, current);
    }
    expect(await hook(page, 'captions')).toBeGreaterThanOrEqual(count);
    expect(await hook(page, 'numTensors')).toBe(baseline);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
