/**
 * Frame times of the gate heat maps (issue #6: "512 units × 20 steps × 6 maps renders and hovers
 * smoothly; aim for ≥ 30 fps"), on the committed H = 512 model in headless Chromium, wasm backend.
 * Serves the built dist/ (run `npm run build` first).
 *
 *   npx tsx src/bench/gate-frames.ts [--runs 3]
 *
 * Opens /explore/ with all six maps shown (`gate=all`), waits for the live model's caption, then per
 * run: (1) samples requestAnimationFrame intervals with nothing happening (the baseline this machine
 * gives a page right now), (2) clicks through every column of the step strip, waiting for each
 * repaint (the whole page follows the step, as a reader stepping does), (3) sweeps the pointer
 * diagonally over the maps, as a hand moves. It prints the median / p95 / max frame interval of each
 * phase and the view's own main-thread ms per repaint or hover frame (`window.__gates`), which tells
 * the view's cost from the rest of the page's — then the median of the runs, next to 33.3 ms (30 fps)
 * and 16.7 ms (60 fps). test/e2e/gates.test.ts uses the same hover sweep with a random 512-unit model.
 */
import type { Page } from 'playwright-core';
import { runIfMain } from '../train/cli';
import { fixed, fps, waitForCaptionPath, idleFrames, load, medianSpread, runsFlag, spread, startFrames, stopFrames, withSite, type Spread } from './frame-sampling';

/** Timings the view keeps in a rolling window: the entries `after` has that `before` had not. */
export function appended(before: readonly number[], after: readonly number[]): number[] {
  // The window drops its oldest entries once full: find how far it slid (the longest overlap).
  for (let shift = 0; shift <= before.length; shift++) {
    const kept = before.length - shift;
    if (kept > after.length) continue;
    let same = true;
    for (let i = 0; i < kept && same; i++) same = before[shift + i] === after[i];
    if (same) return after.slice(kept);
  }
  return [...after];
}

type Hook = 'renderMs' | 'hoverMs';
const timings = (page: Page, hook: Hook) => page.evaluate((h) => window.__gates![h](), hook);

/** Waits until the view has repainted after `action`. */
async function afterRender(page: Page, action: () => Promise<void>): Promise<void> {
  const before = await page.evaluate(() => window.__gates!.renders());
  await action();
  await page.waitForFunction((n) => window.__gates!.renders() > n, before, { timeout: 120_000 });
}

export interface Sampled {
  /** requestAnimationFrame intervals (ms). */
  frames: number[];
  /** The view's own main-thread ms per repaint (stepping) or per hover frame (hovering). */
  own: number[];
}

/** Clicks every column of the step strip once, from the one after the current, waiting for each repaint. */
export async function stepSweep(page: Page): Promise<Sampled & { steps: number }> {
  const { cols, col } = await page.evaluate(() => window.__gates!.view()!);
  const before = await timings(page, 'renderMs');
  const buttons = page.locator('[data-testid="gate-steps"] button');
  await startFrames(page);
  for (let j = 1; j <= cols; j++) await afterRender(page, () => buttons.nth((col + j) % cols).click());
  const frames = await stopFrames(page);
  return { frames, own: appended(before, await timings(page, 'renderMs')), steps: cols };
}

/**
 * Sweeps the pointer over the maps on a continuous diagonal path, as a hand moves (random jumps
 * across the maps cost more: the compositor's damage rectangle then spans most of the figure).
 */
export async function hoverSweep(page: Page, moves = 150): Promise<Sampled> {
  const box = (await page.locator('[data-testid="gate-overlay"]').boundingBox())!;
  const before = await timings(page, 'hoverMs');
  await startFrames(page);
  for (let k = 0; k < moves; k++) {
    const x = box.x + 10 + ((k * 6) % Math.max(box.width - 20, 1));
    const y = box.y + 30 + ((k * 3) % Math.max(box.height - 60, 1));
    await page.mouse.move(x, y);
  }
  const frames = await stopFrames(page);
  return { frames, own: appended(before, await timings(page, 'hoverMs')) };
}

/** One row of the table: `phase frames median p95 max fps50 fps95 own50 / own95`. */
export function frameRow(name: string, frames: Spread, own: Spread | null, note = ''): string {
  const ownText = own && own.n > 0 ? `${fixed(own.median, 2)} / ${fixed(own.p95, 2)}` : '- / -';
  const cells = [String(Math.round(frames.n)).padStart(6), fixed(frames.median).padStart(7), fixed(frames.p95).padStart(7), fixed(frames.max).padStart(7), fps(frames.median).padStart(6), fps(frames.p95).padStart(6), ownText.padStart(15)];
  return `${name.padEnd(12)} ${cells.join(' ')}${note ? `  ${note}` : ''}`;
}

export const FRAME_HEADER = `${'phase'.padEnd(12)} ${'frames'.padStart(6)} ${'median'.padStart(7)} ${'p95'.padStart(7)} ${'max'.padStart(7)} ${'fps50'.padStart(6)} ${'fps95'.padStart(6)} ${'own ms 50/95'.padStart(15)}  (frame intervals in ms; 33.3 ms = 30 fps, 16.7 ms = 60 fps)`;

async function main(): Promise<void> {
  const runs = runsFlag(process.argv, 3);
  await withSite(async (origin, browser) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(300_000); // a busy machine: 30 s is not enough to load the model
    await page.goto(`${origin}/explore/?backend=wasm&gate=all`, { timeout: 600_000 });
    // Wait for the live model to be ready and to have captioned the photo, so its own work is over before sampling.
    await page.waitForFunction(() => document.querySelector('[data-model-status]')?.getAttribute('data-phase') === 'ready', null, { timeout: 600_000 });
    await waitForCaptionPath(page, 600_000);
    await page.waitForFunction(() => document.querySelector('[data-gate-heatmaps]')?.getAttribute('data-ready') === 'true' && (window.__gates?.view()?.gates.length ?? 0) === 6, null, { timeout: 600_000 });
    const v = await page.evaluate(() => window.__gates!.view()!);
    const model = await page.evaluate(() => fetch('/models/current.json').then((r) => r.json() as Promise<{ decoder: string }>));
    await page.locator('[data-gate-heatmaps]').scrollIntoViewIfNeeded();

    console.log(`gate heat-map frame times: ${v.units} units × ${v.cols} columns × ${v.gates.length} maps, model "${model.decoder}" (headless Chromium, wasm backend, load average ${load()}, ${runs} run${runs === 1 ? '' : 's'})`);
    console.log(FRAME_HEADER);
    const idle: Spread[] = [];
    const step: Spread[] = [];
    const stepOwn: Spread[] = [];
    const hover: Spread[] = [];
    const hoverOwn: Spread[] = [];
    for (let r = 1; r <= runs; r++) {
      idle.push(spread(await idleFrames(page)));
      const s = await stepSweep(page);
      step.push(spread(s.frames));
      stepOwn.push(spread(s.own));
      const h = await hoverSweep(page);
      hover.push(spread(h.frames));
      hoverOwn.push(spread(h.own));
      console.log(`  run ${r}: idle ${fixed(idle.at(-1)!.median)} ms; step ${fixed(step.at(-1)!.median)} / ${fixed(step.at(-1)!.p95)} ms (view ${fixed(stepOwn.at(-1)!.median, 2)} ms × ${s.own.length}); hover ${fixed(hover.at(-1)!.median)} / ${fixed(hover.at(-1)!.p95)} ms (view ${fixed(hoverOwn.at(-1)!.median, 2)} ms × ${h.own.length})`);
    }
    console.log(`median of ${runs} run${runs === 1 ? '' : 's'}:`);
    console.log(frameRow('idle', medianSpread(idle), null, 'nothing happening: the baseline'));
    console.log(frameRow('step', medianSpread(step), medianSpread(stepOwn), `${v.cols} step changes; own = the view's ms per repaint`));
    console.log(frameRow('hover', medianSpread(hover), medianSpread(hoverOwn), "150 pointer moves; own = the view's ms per hover frame"));
  });
}

runIfMain(import.meta.url, main);
