/**
 * Frame times of the beam tree while it grows and while the reader hovers it, in headless Debian
 * Chromium on the wasm backend (design.md §7). Serves the built dist/ (run `npm run build` first).
 *
 *   npx tsx src/bench/beam-tree-frames.ts [k=10] [alpha=1] [alone]
 *
 * `alone` detaches the explore page's other views first (their scripts still run on each step, but
 * they no longer lay out or paint), to tell the tree's frame cost from the page's.
 * A requestAnimationFrame loop in the page records the interval between frames while the script
 * (1) steps the tree from the image step to the end, one step every 400 ms (entry animations run
 * 320 ms), (2) moves the mouse over every drawn node, (3) repeats (1) with every pruned candidate
 * drawn. It prints the median and 95th-percentile frame time and the fps they mean, and the time
 * the tree's own script took per redraw or hover (`window.__beamTree.timings()`), which separates
 * the tree's cost from the rest of the page (the other views also redraw on each step).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { serveStatic } from '../../scripts/serve-static.mjs';
import { launch } from '../../test/e2e/browser';

const k = Number(process.argv[2] ?? 10);
const alpha = Number(process.argv[3] ?? 1);
const alone = process.argv[4] === 'alone';

interface FrameStats {
  frames: number;
  median: number;
  p95: number;
  max: number;
}

declare global {
  interface Window {
    __frames?: { times: number[]; running: boolean };
  }
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Passed as a string: tsx would otherwise wrap the inner functions in a helper the page lacks. */
const SAMPLER = `(() => {
  const state = { times: [], running: true };
  window.__frames = state;
  let last = performance.now();
  const tick = (now) => {
    state.times.push(now - last);
    last = now;
    if (state.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame((now) => {
    last = now;
    requestAnimationFrame(tick);
  });
})()`;

async function startSampling(page: Page): Promise<void> {
  await page.evaluate(SAMPLER);
}

async function stopSampling(page: Page): Promise<FrameStats> {
  const times = await page.evaluate(() => {
    window.__frames!.running = false;
    return window.__frames!.times;
  });
  const sorted = [...times].sort((a, b) => a - b);
  return { frames: times.length, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted.at(-1) ?? NaN };
}

async function stepThrough(page: Page): Promise<{ steps: number; nodes: number }> {
  const root = page.locator('[data-beam-tree]');
  await root.locator('[data-role="step-all"]').click();
  const maxStep = Number(new URL(page.url()).searchParams.get('step'));
  for (let i = 0; i <= maxStep + 1; i++) await root.locator('[data-role="step-back"]').click();
  await page.waitForTimeout(500);
  await startSampling(page);
  for (let s = 0; s <= maxStep; s++) {
    await root.locator('[data-role="step-forward"]').click();
    await page.waitForTimeout(400);
  }
  return { steps: maxStep + 1, nodes: await page.locator('g.bt-node:not(.exiting)').count() };
}

async function hoverAll(page: Page): Promise<number> {
  const boxes = await page.$$eval('[data-testid="beam-tree-svg"] g.bt-node:not(.exiting) .bt-mark', (els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return [r.x + r.width / 2, r.y + r.height / 2] as const;
    }),
  );
  const visible = boxes.filter(([x, y]) => x > 0 && y > 0 && x < 1280 && y < 900);
  await startSampling(page);
  for (const [x, y] of visible) {
    await page.mouse.move(x, y, { steps: 4 });
  }
  return visible.length;
}

function line(name: string, s: FrameStats, own: number[], extra: string): string {
  const fps = (ms: number) => (1000 / ms).toFixed(0);
  const sorted = [...own].sort((a, b) => a - b);
  const ownText = `${quantile(sorted, 0.5).toFixed(1)} / ${quantile(sorted, 0.95).toFixed(1)}`;
  return `${name.padEnd(26)} ${String(s.frames).padStart(6)} ${s.median.toFixed(1).padStart(7)} ${s.p95.toFixed(1).padStart(7)} ${s.max.toFixed(1).padStart(7)} ${fps(s.median).padStart(6)} ${fps(s.p95).padStart(6)} ${ownText.padStart(13)}  ${extra}`;
}

type Kind = 'update' | 'hover';
async function ownTimes(page: Page, kind: Kind, since: number): Promise<number[]> {
  const all = await page.evaluate((k) => (window as unknown as { __beamTree: { timings(): Record<string, number[]> } }).__beamTree.timings()[k]!, kind);
  return all.slice(Math.min(since, all.length));
}
async function count(page: Page, kind: Kind): Promise<number> {
  return (await ownTimes(page, kind, 0)).length;
}

async function main(): Promise<void> {
  const dist = path.resolve('dist');
  if (!existsSync(path.join(dist, 'explore', 'index.html'))) throw new Error('dist/explore/index.html is missing: run `npm run build` first.');
  const server = await serveStatic(dist);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.origin}/explore/?backend=wasm&k=${k}&alpha=${alpha}&step=0`);
    await page.waitForFunction((want) => (window as unknown as { __beamTree?: { snapshot(): { k: number } | null } }).__beamTree?.snapshot()?.k === want, k, { timeout: 120_000 });
    const total = await page.evaluate(() => (window as unknown as { __beamTree: { snapshot(): { nodes: unknown[] } } }).__beamTree.snapshot().nodes.length);
    if (alone) await page.evaluate(`for (const el of [...document.querySelectorAll('article > *')]) if (!el.matches('[data-beam-tree]')) el.remove()`);
    await page.locator('[data-beam-tree]').scrollIntoViewIfNeeded();

    const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
    console.log(`beam tree frame times, k = ${k}, α = ${alpha}, ${total} nodes in the trace (headless Chromium, wasm backend, load average ${load}${alone ? ', the tree alone on the page' : ''})`);
    console.log(`${'phase'.padEnd(26)} ${'frames'.padStart(6)} ${'median'.padStart(7)} ${'p95'.padStart(7)} ${'max'.padStart(7)} ${'fps50'.padStart(6)} ${'fps95'.padStart(6)} ${'tree ms 50/95'.padStart(13)}  (frame times in ms)`);
    const phase = async (name: string, kind: Kind, run: () => Promise<string>) => {
      const since = await count(page, kind);
      const extra = await run();
      const frames = await stopSampling(page);
      console.log(line(name, frames, await ownTimes(page, kind, since), extra));
    };
    await phase('grow, pruned collapsed', 'update', async () => {
      const r = await stepThrough(page);
      return `${r.steps} steps, ${r.nodes} nodes drawn`;
    });
    await phase('hover, pruned collapsed', 'hover', async () => `${await hoverAll(page)} nodes hovered`);
    const showAll = page.locator('[data-beam-tree] [data-role="show-all"]');
    if (await showAll.isDisabled()) {
      console.log('(nothing is collapsed at this k: every candidate is already drawn)');
      return;
    }
    await showAll.click();
    await phase('grow, all pruned drawn', 'update', async () => {
      const r = await stepThrough(page);
      return `${r.steps} steps, ${r.nodes} nodes drawn`;
    });
    await phase('hover, all pruned drawn', 'hover', async () => `${await hoverAll(page)} nodes hovered`);
  } finally {
    await browser.close();
    server.close();
  }
}

await main();
