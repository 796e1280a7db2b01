/**
 * Frame times of the word-embedding map while the reader zooms and pans it (issue #7: "every
 * vocabulary word pans and zooms smoothly on canvas"), on the committed model's map (3,070 words)
 * in headless Chromium, wasm backend. Serves the built dist/ (run `npm run build` first).
 *
 *   npx tsx src/bench/map-frames.ts [--runs 3]
 *
 * Opens /explore/, waits for the map and for the live caption (so the model's work is over), then
 * per run: samples requestAnimationFrame intervals with nothing happening (the baseline), and
 * zooms in with 24 wheel notches, pans with 40 pointer moves and zooms out again, recording the
 * interval between frames, the map's own draw time per redraw (the canvas's `data-draw-ms`), and
 * the renderer main thread's tasks from a Chrome trace (CPU time, which a busy machine does not
 * inflate). Prints the median of the runs next to 33.3 ms (30 fps) and 16.7 ms (60 fps).
 * test/e2e/embeddings.test.ts runs the same gesture on a synthetic 3,000-word map.
 */
import type { Browser, Page } from 'playwright-core';
import { runIfMain } from '../train/cli';
import { fixed, idleFrames, waitForCaptionPath, waitForMap, load, mainThreadTasks, median, medianSpread, recordLongTasks, runsFlag, spread, withSite, type Spread } from './frame-sampling';
import { FRAME_HEADER, frameRow } from './gate-frames';

export { waitForCaptionPath, waitForMap } from './frame-sampling';

export interface ZoomPanStats {
  /** requestAnimationFrame intervals (ms). */
  frames: number[];
  /** The map's own draw time per redraw (ms, wall). */
  draws: number[];
  /** CPU ms of each renderer main-thread task during the gesture. */
  taskCpu: number[];
  /** The longest task the Long Tasks API saw (wall ms; 0 when none passed 50 ms). Needs recordLongTasks before the page loaded. */
  longestTask: number;
  /** Labels drawn at the end. */
  labels: number;
}

/**
 * Records every animation frame and every draw of the map while the mouse works. A string: tsx
 * (not vitest) would wrap the named inner function in a helper the page lacks.
 */
const RECORDER = `(() => {
  const w = window;
  w.__frames = [];
  w.__draws = [];
  w.__stop = false;
  const c = document.querySelector('[data-testid="emb-canvas"]');
  if (w.__drawObserver) w.__drawObserver.disconnect();
  w.__drawObserver = new MutationObserver(() => w.__draws.push(Number(c.dataset.drawMs)));
  w.__drawObserver.observe(c, { attributes: true, attributeFilter: ['data-draw-ms'] });
  const loop = (t) => {
    w.__frames.push(t);
    if (!w.__stop) requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
})()`;

/** Zoom in (24 wheel notches), pan (40 moves), zoom out again over the map's centre. */
export async function zoomPan(browser: Browser, page: Page): Promise<ZoomPanStats> {
  const canvas = page.getByTestId('emb-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  // Record every animation frame and every draw of the map while the mouse works.
  await page.evaluate(RECORDER);
  const since = await page.evaluate(() => performance.now());
  const tasks = await mainThreadTasks(browser, page, async () => {
    await page.mouse.move(cx, cy);
    for (let i = 0; i < 24; i++) {
      await page.mouse.wheel(0, -100); // zoom in
      await page.waitForTimeout(30);
    }
    await page.mouse.down();
    for (let i = 0; i < 40; i++) await page.mouse.move(cx + 6 * i, cy + 3 * i); // pan
    await page.mouse.up();
    for (let i = 0; i < 24; i++) {
      await page.mouse.wheel(0, 100); // and out again
      await page.waitForTimeout(30);
    }
  });
  const got = await page.evaluate((t) => {
    const w = window as unknown as { __frames: number[]; __draws: number[]; __stop: boolean; __drawObserver?: MutationObserver };
    w.__stop = true;
    w.__drawObserver?.disconnect();
    return {
      frames: w.__frames.slice(1).map((f, i) => f - w.__frames[i]!),
      draws: [...w.__draws],
      longestTask: Math.max(0, ...(window.__longTasks ?? []).filter((e) => e.start >= t).map((e) => e.duration)),
      labels: Number(document.querySelector<HTMLElement>('[data-testid="emb-canvas"]')!.dataset['labels']),
    };
  }, since);
  return { ...got, taskCpu: tasks.map((t) => t.cpu) };
}

/** /explore/ with the map painted and the live caption's path drawn (so the model's own work is over). */
export async function openMapPage(browser: Browser, origin: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(300_000); // a busy machine: 30 s is not enough to load the model
  await recordLongTasks(page);
  await page.goto(`${origin}/explore/?backend=wasm`, { timeout: 600_000 });
  await waitForMap(page, 600_000);
  await waitForCaptionPath(page, 600_000);
  return { context, page };
}

async function main(): Promise<void> {
  const runs = runsFlag(process.argv, 3);
  await withSite(async (origin, browser) => {
    const { context, page } = await openMapPage(browser, origin);
    const words = await page.evaluate(() => document.querySelector('[data-testid="emb-status"]')?.textContent?.match(/^([\d,]+) words/)?.[1] ?? '?');

    console.log(`embedding map frame times: ${words} words of the committed model, zoom in (24 notches) + pan (40 moves) + zoom out (headless Chromium, wasm backend, load average ${load()}, ${runs} run${runs === 1 ? '' : 's'})`);
    console.log(FRAME_HEADER);
    const idle: Spread[] = [];
    const gesture: Spread[] = [];
    const draws: Spread[] = [];
    const cpuP95: number[] = [];
    const cpuMax: number[] = [];
    const longest: number[] = [];
    for (let r = 1; r <= runs; r++) {
      idle.push(spread(await idleFrames(page)));
      const s = await zoomPan(browser, page);
      gesture.push(spread(s.frames));
      draws.push(spread(s.draws));
      const cpu = spread(s.taskCpu);
      cpuP95.push(cpu.p95);
      cpuMax.push(cpu.max);
      longest.push(s.longestTask);
      console.log(`  run ${r}: idle ${fixed(idle.at(-1)!.median)} ms; zoom-pan ${fixed(gesture.at(-1)!.median)} / ${fixed(gesture.at(-1)!.p95)} ms over ${s.frames.length} frames; ${s.draws.length} draws of ${fixed(draws.at(-1)!.median, 2)} ms; main-thread task CPU p95 ${fixed(cpu.p95)} ms, max ${fixed(cpu.max)} ms; ${s.labels} labels at the end`);
    }
    console.log(`median of ${runs} run${runs === 1 ? '' : 's'}:`);
    console.log(frameRow('idle', medianSpread(idle), null, 'nothing happening: the baseline'));
    console.log(frameRow('zoom-pan', medianSpread(gesture), medianSpread(draws), `own = the map's draw ms per redraw; main-thread task CPU p95 ${fixed(median(cpuP95))} ms, max ${fixed(median(cpuMax))} ms; longest task (wall) ${fixed(median(longest), 0)} ms`));
    await context.close();
  });
}

runIfMain(import.meta.url, main);
