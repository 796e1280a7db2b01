#!/usr/bin/env node
/**
 * `npm run bench:web`: the live model's speed in headless Chromium on the wasm backend — encoder,
 * greedy, beam 3 and beam 10 (medians), each decoder next to its FLOP-bound time from matMuls
 * measured in the same page — printed as a table with the goals (encoder ≤ 400 ms, beam 3 ≤ 50 ms
 * after encoding, decoders within 3× of their FLOP bound).
 *
 * It serves the built site (dist/; built first with `npm run build` if missing — rebuild yourself
 * after changing the site) and injects the harness src/bench/web-bench.ts, bundled with esbuild,
 * on that origin with page.route, so the bench page is never part of the site.
 *
 * Options: --runs N (default 15)   --photo FILE (an example, default dog.jpg)
 *          --synthetic V,E,H       also bench a random decoder of that size; "auto" (default) does so
 *                                  at Flickr8k size (3073,256,512) when the committed decoder is tiny;
 *                                  "none" never.
 * Chromium runs single-threaded wasm: the static server sends no cross-origin-isolation headers,
 * so SharedArrayBuffer (and wasm threads) are off, as on most static hosts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, CHROMIUM as DEBIAN_CHROMIUM, launchChromium } from './browser-harness.mjs';
import { serveStatic } from './serve-static.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM ?? DEBIAN_CHROMIUM;
const FLICKR8K_SIZE = [3073, 256, 512];

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const runs = Number(flag('runs', '15'));
const photo = flag('photo', 'dog.jpg');
const syntheticFlag = flag('synthetic', 'auto');
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs expects a positive integer, got ${runs}`);
if (!/^[\w-]+\.jpg$/.test(photo)) throw new Error(`--photo expects an example file name such as dog.jpg, got ${photo}`);

/** The committed decoder's config, read from public/ (the same files dist/ was built from). */
function committedConfig() {
  const current = JSON.parse(readFileSync(path.join(ROOT, 'public/models/current.json'), 'utf8')).decoder;
  return JSON.parse(readFileSync(path.join(ROOT, 'public/models', current, 'model.json'), 'utf8')).config;
}

function syntheticSize() {
  if (syntheticFlag === 'none') return null;
  if (syntheticFlag === 'auto') return committedConfig().hiddenDim < 64 ? FLICKR8K_SIZE : null;
  const dims = syntheticFlag.split(',').map(Number);
  if (dims.length !== 3 || !dims.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`--synthetic expects V,E,H (e.g. 3073,256,512), got ${syntheticFlag}`);
  return dims;
}

if (!existsSync(path.join(ROOT, 'dist/index.html'))) {
  console.log('bench:web: dist/ is missing; running `npm run build` first.');
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const js = await bundleForBrowser(path.join(ROOT, 'src/bench/web-bench.ts'));
const html = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title><script type="module" src="/__bench.js"></script></head><body></body></html>';

const server = await serveStatic(path.join(ROOT, 'dist'));
const browser = await launchChromium(CHROMIUM);
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith(server.origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) errors.push(`request off the site's origin: ${r.url()}`);
  });
  await page.route(`${server.origin}/__bench.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  await page.route(`${server.origin}/__bench.js`, (route) => route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: js }));
  await page.goto(`${server.origin}/__bench.html`);
  await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: 30_000 });
  const backend = await page.evaluate(() => window.__bench.ready);
  if (backend !== 'wasm') throw new Error(`bench:web: expected the wasm backend, got ${backend}`);
  const synthetic = syntheticSize();
  console.log(`bench:web: ${runs} runs each on ${photo}${synthetic ? `, plus a random decoder of size ${synthetic.join('×')}` : ''}…`);
  // The harness formats its own tables (src/bench/web-stats.ts), so this script needs no TypeScript.
  const { tables } = await page.evaluate((options) => window.__bench.run(options), { runs, photo, synthetic });
  for (const table of tables) console.log('\n' + table);
  if (errors.length) {
    console.error(`\nbench:web: the page reported problems:\n${errors.join('\n')}`);
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  await server.close();
}
