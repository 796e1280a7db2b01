#!/usr/bin/env node
/**
 * `npm run bench`: one table from one run, printed and written to bench-results.md.
 *
 * - Model download bytes per page, and cold / warm load time (navigation → model ready), measured
 *   here in headless Chromium on the wasm backend (median of --runs page loads; warm = a reload in
 *   the same browser profile: HTTP cache and the offline service worker).
 * - Encoder, greedy, beam 3 and beam 10 with the FLOP bound from a matMul measured in the same page:
 *   `npm run bench:web` (scripts/bench-web.mjs), run as a child process and parsed.
 * - Beam-tree frame times: `npm run bench:beam-tree` (src/bench/beam-tree-frames.ts), parsed.
 * - Training throughput next to the matMul peak of the same process: `npm run bench:train`, parsed.
 * Rows the harnesses do not measure yet (UMAP recompute, gate and map frame times) say so.
 *
 * Serves dist/ (run `npm run build` first). Options: --runs N (default 5), --skip web,tree,train.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser-harness.mjs';
import { serveStatic } from './serve-static.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const RUNS = Number(flag('runs', '5'));
const SKIP = new Set(flag('skip', '').split(',').filter(Boolean));

export const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x)} ms` : 'n/a');
const mb = (x) => `${(x / 1e6).toFixed(2)} MB`;

/** Pages of the built site. */
function routes(dir = path.join(ROOT, 'dist'), prefix = '/') {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name === 'index.html') out.push(prefix);
    else if (statSync(full).isDirectory() && !['_astro', 'models', 'examples', 'wasm', 'flickr8k-test'].includes(name)) out.push(...routes(full, `${prefix}${name}/`));
  }
  return out.sort();
}

/** Model bytes (models/ and wasm/) a page downloads, and its time to a ready model, cold and warm. */
async function loadTimes(origin, browser, route) {
  const cold = [];
  const warm = [];
  let bytes = 0;
  for (let r = 0; r < RUNS; r++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    let runBytes = 0;
    page.on('requestfinished', async (req) => {
      if (!/\/(models|wasm)\//.test(new URL(req.url()).pathname)) return;
      const sizes = await req.sizes().catch(() => null);
      runBytes += sizes?.responseBodySize ?? 0;
    });
    const ready = async () => {
      const t0 = Date.now();
      await page.goto(`${origin}${route}?backend=wasm`);
      const live = await page.evaluate(() => !!document.querySelector('[data-model-status], [data-caption-figure]'));
      if (!live) return NaN;
      await page.waitForFunction(
        () => document.querySelector('[data-model-status]')?.getAttribute('data-phase') === 'ready' || (document.querySelector('[data-testid="caption"]')?.textContent ?? '').trim().length > 0,
        null,
        { timeout: 180_000 },
      );
      return Date.now() - t0;
    };
    cold.push(await ready());
    if (r === 0) bytes = runBytes;
    warm.push(await ready());
    await context.close();
  }
  return { route, bytes, cold: median(cold), warm: median(warm) };
}

/** Runs an npm script, returns its stdout (and fails loudly if it failed). */
function npm(script, args = []) {
  const res = spawnSync('npm', ['run', '--silent', script, '--', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.status !== 0) return { ok: false, out: `${res.stdout}\n${res.stderr}` };
  return { ok: true, out: res.stdout };
}

/** `| stage | median | steps | MFLOP | bound | ratio | goal |` rows of bench:web. */
export function parseWebBench(out) {
  const rows = [];
  for (const line of out.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 8 || !/ms$/.test(cells[2] ?? '')) continue;
    rows.push({ stage: cells[1], median: cells[2], bound: cells[5], ratio: cells[6], goal: cells[7] });
  }
  return rows;
}

/** `key   value` rows of bench:train. */
export function parseTrain(out) {
  const get = (key) => out.split('\n').find((l) => l.startsWith(key))?.slice(34).trim() ?? 'n/a';
  return { peak: get('matMul peak'), step: get('train step'), throughput: get('throughput'), achieved: get('achieved'), loop1: get('training loop, 1 thread'), loop2: get('training loop, + gradient') };
}

/** The first phase row of bench:beam-tree: name, frames, median, p95. */
export function parseTree(out) {
  const line = out.split('\n').find((l) => /^\S.*\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+/.test(l) && !/^phase/.test(l));
  if (!line) return null;
  const m = /^(.*?)\s+(\d+)\s+([\d.]+)\s+([\d.]+)/.exec(line);
  return m ? { phase: m[1].trim(), frames: m[2], median: `${m[3]} ms`, p95: `${m[4]} ms` } : null;
}

async function main() {
  if (!existsSync(path.join(ROOT, 'dist/index.html'))) throw new Error('bench: dist/ is missing; run `npm run build` first.');
  const rows = [];
  const row = (measure, value, reference, note = '') => rows.push(`| ${measure} | ${value} | ${reference} | ${note} |`);

  const server = await serveStatic(path.join(ROOT, 'dist'));
  const browser = await launchChromium();
  try {
    for (const route of routes()) {
      const t = await loadTimes(server.origin, browser, route);
      if (!Number.isFinite(t.cold)) {
        row(`page ${route}: model download`, '0 MB', '', 'no live model on this page');
        continue;
      }
      row(`page ${route}: model download`, mb(t.bytes), '', 'models/ + wasm/ bytes, cold');
      row(`page ${route}: load to ready, cold`, ms(t.cold), `warm ${ms(t.warm)}`, `median of ${RUNS}; warm = reload, same profile`);
    }
  } finally {
    await browser.close();
    await server.close();
  }

  if (!SKIP.has('web')) {
    const web = npm('bench:web', ['--runs', String(Math.max(RUNS, 7))]);
    const parsed = web.ok ? parseWebBench(web.out) : [];
    if (!parsed.length) row('encoder and decoders', 'n/a', '', `bench:web failed: ${web.out.split('\n').filter(Boolean).slice(-1)[0] ?? ''}`);
    for (const r of parsed) row(r.stage, r.median, r.bound ? `FLOP bound ${r.bound} (${r.ratio})` : '', r.goal);
  }
  row('UMAP recompute', 'not measured', '', 'no harness yet (src/workers/umap-worker.ts)');
  if (!SKIP.has('tree')) {
    const tree = npm('bench:beam-tree', ['10', '1']);
    const t = tree.ok ? parseTree(tree.out) : null;
    row('beam tree frame time (k = 10)', t ? `${t.median} median` : 'n/a', t ? `p95 ${t.p95}; 16.7 ms = 60 fps` : '', t ? `${t.phase}, ${t.frames} frames` : 'bench:beam-tree failed');
  }
  row('gate heat-map / embedding map frame time', 'not measured', '16.7 ms = 60 fps', 'no harness yet');
  if (!SKIP.has('train')) {
    const train = npm('bench:train');
    const t = train.ok ? parseTrain(train.out) : null;
    row('training throughput', t?.throughput ?? 'n/a', t ? `matMul peak ${t.peak}` : '', t ? `achieved ${t.achieved}; loop 1 thread ${t.loop1}, + worker ${t.loop2}` : 'bench:train failed');
  }

  const table = ['| measure | median | baseline or limit (same run) | note |', '|---|---:|---|---|', ...rows].join('\n');
  const header = `Benchmarks (${new Date().toISOString().slice(0, 10)}, headless Chromium on the wasm backend, ${RUNS} runs; \`npm run bench\`)`;
  console.log(`${header}\n\n${table}`);
  writeFileSync(path.join(ROOT, 'bench-results.md'), `${header}\n\n${table}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
