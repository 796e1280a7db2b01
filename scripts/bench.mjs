#!/usr/bin/env node
/**
 * `npm run bench`: one table from one run, printed and written to bench-results.md.
 *
 * - Model download bytes per page, and cold / warm load times (navigation → first caption, which on
 *   the article may be a precomputed trace; navigation → live model ready), measured here in headless
 *   Chromium on the wasm backend (median of --runs page loads; warm = a reload in the same browser
 *   profile: HTTP cache and the offline service worker).
 * - Encoder, greedy, beam 3 and beam 10 with the FLOP bound from a matMul measured in the same page:
 *   `npm run bench:web` (scripts/bench-web.mjs), run as a child process and parsed.
 * - UMAP recompute: `npm run bench:umap` (src/bench/umap-recompute.ts): the map's "Recompute live"
 *   on the committed model, press to "Done", and the longest main-thread task (CPU time, from a
 *   Chrome trace) next to the 100 ms limit; baseline: the same layout computed in Node.
 * - Beam-tree frame times: `npm run bench:beam-tree` (src/bench/beam-tree-frames.ts), parsed.
 * - Gate heat-map frame times, stepping and hovering 6 maps × 512 units: `npm run bench:gates`
 *   (src/bench/gate-frames.ts); embedding-map frame times while zooming and panning every word:
 *   `npm run bench:map` (src/bench/map-frames.ts). Both print the median and p95 rAF interval, the
 *   view's own ms per redraw, and an idle-page baseline from the same run, median of --runs runs.
 * - Training throughput next to the matMul peak of the same process: `npm run bench:train`, parsed.
 *
 * Serves dist/ (run `npm run build` first). Options: --runs N (default 5),
 * --skip load,web,umap,umap-node,tree,gates,map,train (umap-node: the UMAP row without its Node baseline).
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

/**
 * Per page, cold and warm: the time from navigation to the first caption the reader sees (on the
 * article that can be a precomputed trace, painted before any model arrives), the time to the live
 * model being ready (`[data-model-status]` phase "ready"), and the model bytes (models/ and wasm/)
 * downloaded by then.
 */
async function loadTimes(origin, browser, route) {
  const cold = { caption: [], live: [] };
  const warm = { caption: [], live: [] };
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
    const load = async (into) => {
      const t0 = Date.now();
      await page.goto(`${origin}${route}?backend=wasm`);
      const live = await page.evaluate(() => !!document.querySelector('[data-model-status], [data-caption-figure]'));
      if (!live) return false;
      await page.waitForFunction(
        () => document.querySelector('[data-model-status]')?.getAttribute('data-phase') === 'ready' || (document.querySelector('[data-testid="caption"]')?.textContent ?? '').trim().length > 0,
        null,
        { timeout: 180_000 },
      );
      into.caption.push(Date.now() - t0);
      const hasStatus = await page.evaluate(() => !!document.querySelector('[data-model-status]'));
      if (hasStatus) {
        await page.waitForFunction(() => document.querySelector('[data-model-status]')?.getAttribute('data-phase') === 'ready', null, { timeout: 180_000 });
        into.live.push(Date.now() - t0);
      }
      return true;
    };
    if (!(await load(cold))) {
      await context.close();
      return { route, bytes: 0, cold: NaN };
    }
    if (r === 0) bytes = runBytes;
    await load(warm);
    await context.close();
  }
  return { route, bytes, cold: median(cold.caption), warm: median(warm.caption), coldLive: median(cold.live), warmLive: median(warm.live) };
}

/** Runs an npm script, returns its stdout (and fails loudly if it failed). */
function npm(script, args = []) {
  const res = spawnSync('npm', ['run', '--silent', script, '--', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.status !== 0) return { ok: false, out: `${res.stdout}\n${res.stderr}` };
  return { ok: true, out: res.stdout };
}

const lastLine = (out) => out.split('\n').filter(Boolean).slice(-1)[0] ?? '';

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

/**
 * The summary rows of bench:gates and bench:map (src/bench/gate-frames.ts `frameRow`): unindented
 * `phase frames median p95 max fps50 fps95 own50 / own95  note` lines, keyed by phase; `title` is the first line.
 * @typedef {{ frames: number, median: number, p95: number, max: number, own50: number, own95: number, note: string }} FramePhase
 * @param {string} out
 * @returns {{ title: string, phases: Record<string, FramePhase> }}
 */
export function parseFrames(out) {
  const lines = out.split('\n');
  /** @type {Record<string, FramePhase>} */
  const phases = {};
  for (const line of lines) {
    const m = /^([a-z][\w-]*)\s+(\d+)\s+([\d.]+|n\/a)\s+([\d.]+|n\/a)\s+([\d.]+|n\/a)\s+\S+\s+\S+\s+([\d.]+|-|n\/a)\s*\/\s*([\d.]+|-|n\/a)(?:\s+(.*))?$/.exec(line);
    if (!m) continue;
    const num = (x) => (x === '-' || x === 'n/a' ? NaN : Number(x));
    phases[m[1]] = { frames: Number(m[2]), median: num(m[3]), p95: num(m[4]), max: num(m[5]), own50: num(m[6]), own95: num(m[7]), note: (m[8] ?? '').trim() };
  }
  return { title: lines.find((l) => l.trim())?.trim() ?? '', phases };
}

/**
 * The `key: value` summary lines of bench:umap (src/bench/umap-recompute.ts), as numbers; null when absent.
 * @param {string} out
 */
export function parseUmap(out) {
  const grab = (re) => {
    const m = re.exec(out);
    return m ? m.slice(1).map(Number) : null;
  };
  const done = grab(/^recompute to Done: ([\d.]+) s \(worker ([\d.]+|n\/a) s\)/m);
  const cpu = grab(/^longest main-thread task, CPU: ([\d.]+) ms \(limit (\d+) ms\)/m);
  const wall = grab(/^longest main-thread task, wall: (\d+) ms \((\d+) tasks over 50 ms; Long Tasks API (\d+) ms\)/m);
  const node = grab(/^node layout, same code: ([\d.]+) s wall, ([\d.]+) s CPU/m);
  const words = /^umap recompute: ([\d,]+) words/m.exec(out)?.[1] ?? '?';
  if (!done || !cpu) return null;
  return { words, doneS: done[0], workerS: done[1], cpuMs: cpu[0], limitMs: cpu[1], wallMs: wall?.[0] ?? NaN, over50: wall?.[1] ?? NaN, longTaskMs: wall?.[2] ?? NaN, node: node ? { wallS: node[0], cpuS: node[1] } : null };
}

/**
 * One bench row from a frame phase: median (value), p95 and the idle baseline (reference), the view's own ms (note).
 * @param {FramePhase | undefined} phase
 * @param {FramePhase | undefined} idle
 * @param {string} ownWhat
 */
export function frameCells(phase, idle, ownWhat) {
  if (!phase) return null;
  // One decimal: 16.7 ms (60 fps) and 17 ms read differently next to the fps limits.
  const frame = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');
  const reference = `p95 ${frame(phase.p95)}; idle page ${frame(idle?.median)}; 33.3 ms = 30 fps, 16.7 ms = 60 fps`;
  const own = Number.isFinite(phase.own50) ? `${ownWhat} ${phase.own50.toFixed(2)} ms median, p95 ${phase.own95.toFixed(2)} ms; ` : '';
  return { value: `${frame(phase.median)} median`, reference, note: `${own}${phase.frames} frames` };
}

async function main() {
  if (!existsSync(path.join(ROOT, 'dist/index.html'))) throw new Error('bench: dist/ is missing; run `npm run build` first.');
  const rows = [];
  const row = (measure, value, reference, note = '') => rows.push(`| ${measure} | ${value} | ${reference} | ${note} |`);

  const server = await serveStatic(path.join(ROOT, 'dist'));
  const browser = await launchChromium();
  try {
    for (const route of SKIP.has('load') ? [] : routes()) {
      const t = await loadTimes(server.origin, browser, route);
      if (!Number.isFinite(t.cold)) {
        row(`page ${route}: model download`, '0 MB', '', 'no live model on this page');
        continue;
      }
      row(`page ${route}: model download`, mb(t.bytes), '', 'models/ + wasm/ bytes by the time the live model is ready, cold');
      row(`page ${route}: load to first caption, cold`, ms(t.cold), `warm ${ms(t.warm)}`, `median of ${RUNS}; warm = reload, same profile; may be a precomputed trace`);
      if (Number.isFinite(t.coldLive)) row(`page ${route}: load to live model ready, cold`, ms(t.coldLive), `warm ${ms(t.warmLive)}`, `median of ${RUNS}`);
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
  if (!SKIP.has('umap')) {
    const umap = npm('bench:umap', ['--runs', String(Math.min(RUNS, 3)), ...(SKIP.has('umap-node') ? ['--no-node'] : [])]);
    const u = umap.ok ? parseUmap(umap.out) : null;
    if (!u) row('UMAP recompute', 'n/a', '', `bench:umap failed: ${lastLine(umap.out)}`);
    else {
      const node = u.node ? `; Node, same code: ${u.node.wallS.toFixed(1)} s wall, ${u.node.cpuS.toFixed(1)} s CPU` : '';
      row(`UMAP recompute (${u.words} words, in a worker)`, `${u.doneS.toFixed(1)} s to Done`, `longest main-thread task ${ms(u.cpuMs)} CPU, limit ${u.limitMs} ms${node}`, `worker ${u.workerS.toFixed(1)} s; longest task by wall time ${ms(u.wallMs)} (Long Tasks API ${ms(u.longTaskMs)}); median of ${Math.min(RUNS, 3)}`);
    }
  }
  if (!SKIP.has('tree')) {
    const tree = npm('bench:beam-tree', ['10', '1']);
    const t = tree.ok ? parseTree(tree.out) : null;
    row('beam tree frame time (k = 10)', t ? `${t.median} median` : 'n/a', t ? `p95 ${t.p95}; 16.7 ms = 60 fps` : '', t ? `${t.phase}, ${t.frames} frames` : 'bench:beam-tree failed');
  }
  if (!SKIP.has('gates')) {
    const gates = npm('bench:gates', ['--runs', String(RUNS)]);
    const g = gates.ok ? parseFrames(gates.out) : null;
    const size = /(\d+ units × \d+ columns × \d+ maps)/.exec(g?.title ?? '')?.[1] ?? '';
    for (const [phase, what] of [['step', 'stepping'], ['hover', 'hovering units']]) {
      const c = frameCells(g?.phases[phase], g?.phases.idle, phase === 'step' ? 'view per repaint' : 'view per hover frame');
      if (c) row(`gate heat-map frame time, ${what} (${size})`, c.value, c.reference, `${c.note}; median of ${RUNS}`);
      else row(`gate heat-map frame time, ${what}`, 'n/a', '', `bench:gates failed: ${lastLine(gates.out)}`);
    }
  }
  if (!SKIP.has('map')) {
    const map = npm('bench:map', ['--runs', String(RUNS)]);
    const m = map.ok ? parseFrames(map.out) : null;
    const words = /: ([\d,]+) words/.exec(m?.title ?? '')?.[1] ?? '?';
    const c = frameCells(m?.phases['zoom-pan'], m?.phases.idle, 'map draw');
    const cpu = /main-thread task CPU p95 ([\d.]+) ms/.exec(m?.phases['zoom-pan']?.note ?? '')?.[1];
    if (c) row(`embedding map frame time, zoom + pan (${words} words)`, c.value, c.reference, `${c.note}; main-thread task CPU p95 ${cpu ?? 'n/a'} ms; median of ${RUNS}`);
    else row('embedding map frame time, zoom + pan', 'n/a', '', `bench:map failed: ${lastLine(map.out)}`);
  }
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
