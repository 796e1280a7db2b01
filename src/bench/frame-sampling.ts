/**
 * What the frame-time harnesses (gate-frames.ts, map-frames.ts, umap-recompute.ts) and their e2e
 * twins (test/e2e/gates.test.ts, embeddings.test.ts) share: a requestAnimationFrame sampler, the
 * renderer main thread's tasks from a Chrome trace, the Long Tasks API, quantiles, and a served
 * dist/ with Chromium for the command-line harnesses. Node-only; the page side is passed as strings
 * or plain functions, so nothing here is bundled into the site.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { serveStatic } from '../../scripts/serve-static.mjs';
import { launch } from '../../test/e2e/browser';

declare global {
  interface Window {
    __benchFrames?: { times: number[]; running: boolean };
    __longTasks: { start: number; duration: number }[];
  }
}

/** The q-quantile of an ascending array (the element at ⌊q·n⌋, as the e2e tests always did). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Median of the finite values (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Spread {
  n: number;
  median: number;
  p95: number;
  max: number;
}

export function spread(xs: readonly number[]): Spread {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  return { n: s.length, median: quantile(s, 0.5), p95: quantile(s, 0.95), max: s.at(-1) ?? NaN };
}

/** Per-field median of several runs' spreads: "median of repeated runs". */
export function medianSpread(runs: readonly Spread[]): Spread {
  return { n: median(runs.map((r) => r.n)), median: median(runs.map((r) => r.median)), p95: median(runs.map((r) => r.p95)), max: median(runs.map((r) => r.max)) };
}

/** Passed as a string: tsx would otherwise wrap the inner functions in a helper the page lacks. */
const SAMPLER = `(() => {
  const state = { times: [], running: true };
  window.__benchFrames = state;
  let last = -1;
  const tick = (now) => {
    if (last >= 0) state.times.push(now - last);
    last = now;
    if (state.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

/** Starts recording the interval between animation frames. */
export async function startFrames(page: Page): Promise<void> {
  await page.evaluate(SAMPLER);
}

/** Stops the sampler and returns the frame intervals (ms). */
export async function stopFrames(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const s = window.__benchFrames;
    if (!s) return [];
    s.running = false;
    return s.times;
  });
}

/** `count` frame intervals with nothing happening: what this machine gives the page right now. */
export async function idleFrames(page: Page, count = 40): Promise<number[]> {
  await startFrames(page);
  await page.waitForFunction((n) => (window.__benchFrames?.times.length ?? 0) >= n, count, { timeout: 120_000, polling: 100 });
  return stopFrames(page);
}

/** Records every main-thread task over 50 ms (the Long Tasks API), from before the page's scripts run. */
export async function recordLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** The longest task the Long Tasks API saw since `since` (page clock, ms); 0 when none passed 50 ms. */
export function longestLongTask(page: Page, since: number): Promise<number> {
  return page.evaluate((t) => Math.max(0, ...(window.__longTasks ?? []).filter((e) => e.start >= t).map((e) => e.duration)), since);
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  tid: number;
  pid: number;
  args?: { name?: string };
}

export interface MainThreadTask {
  /** Wall time (ms): on a busy machine it includes the time the thread waited for a core. */
  wall: number;
  /** The thread's own CPU time (ms). */
  cpu: number;
}

/**
 * The renderer main thread's tasks while `action` runs, from a Chrome trace: wall time and the
 * thread's own CPU time. On a shared, busy machine a task's wall time includes the time the
 * thread waited for a core, so "no task over 100 ms of work" is judged on CPU time.
 */
export async function mainThreadTasks(browser: Browser, page: Page, action: () => Promise<void>): Promise<MainThreadTask[]> {
  await browser.startTracing(page, { categories: ['toplevel'] });
  try {
    await action();
  } catch (e) {
    await browser.stopTracing().catch(() => undefined); // or the next trace cannot start
    throw e;
  }
  const buffer = await browser.stopTracing();
  const { traceEvents } = JSON.parse(buffer.toString()) as { traceEvents: TraceEvent[] };
  const main = traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  return traceEvents
    .filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && main.some((m) => m.pid === e.pid && m.tid === e.tid))
    .map((e) => ({ wall: (e.dur ?? 0) / 1000, cpu: (e.tdur ?? 0) / 1000 }));
}

/** `--runs N` (default `fallback`) from the command line. */
export function runsFlag(argv: readonly string[], fallback: number): number {
  const i = argv.indexOf('--runs');
  const n = i >= 0 ? Number(argv[i + 1]) : fallback;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The one-minute load average, printed with every table: these numbers mean little on a busy machine. */
export function load(): string {
  return loadavg()[0]!.toFixed(1);
}

/** Serves dist/ and launches Chromium for `body`; closes both afterwards. */
export async function withSite<T>(body: (origin: string, browser: Browser) => Promise<T>): Promise<T> {
  const dist = path.resolve('dist');
  if (!existsSync(path.join(dist, 'explore', 'index.html'))) throw new Error('dist/explore/index.html is missing: run `npm run build` first.');
  const server = await serveStatic(dist);
  const browser = await launch();
  try {
    return await body(server.origin, browser);
  } finally {
    await browser.close();
    server.close();
  }
}

/** Frame time → frames per second, for the tables. */
export const fps = (ms: number): string => (Number.isFinite(ms) && ms > 0 ? (1000 / ms).toFixed(0) : 'n/a');
export const fixed = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

export async function waitForMap(page: Page, timeout = 120_000): Promise<void> {
  await page.waitForFunction(() => document.querySelector('[data-embedding-map]')?.getAttribute('data-ready') === 'true', null, { timeout });
}

/** Waits until the live model has captioned the photo (the map's caption path says so), so model work is over. */
export async function waitForCaptionPath(page: Page, timeout = 120_000): Promise<void> {
  await page.waitForFunction(() => /^Caption so far/.test(document.querySelector('[data-testid="emb-path"]')?.textContent ?? ''), null, { timeout });
}
