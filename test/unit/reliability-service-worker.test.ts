/** The offline service worker's generator (scripts/build-sw.mjs): what it keeps, and its versioning. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Script } from 'node:vm';
import { afterEach, describe, expect, test } from 'vitest';
import { buildServiceWorker, precacheList, serviceWorkerSource } from '../../scripts/build-sw.mjs';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function site(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sw-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const FILES = {
  'index.html': 'home',
  'explore/index.html': 'explore',
  '_astro/app.abc123.js': 'js',
  '_astro/KaTeX_Main.x.woff2': 'font',
  '_astro/KaTeX_Main.x.woff': 'font',
  '_astro/KaTeX_Main.x.ttf': 'font',
  'models/current.json': '{"decoder":"flickr8k"}',
  'models/example-features.json': '{}',
  'models/encoder/centernet.bin': 'enc',
  'models/flickr8k/weights.bin': 'w',
  'models/fixture/weights.bin': 'tiny',
  'models/eval/metrics.json': '{}',
  'wasm/tfjs-backend-wasm-simd.wasm': 'wasm',
  'examples/dog.jpg': 'jpg',
  'examples/CREDITS.md': 'credits',
};

describe('precacheList', () => {
  test('pages as folder URLs; the current decoder only; no eval data, spare font formats or notes', () => {
    const list = precacheList(Object.keys(FILES).sort(), 'flickr8k');
    expect(list).toContain('./');
    expect(list).toContain('explore/');
    expect(list).toContain('models/flickr8k/weights.bin');
    expect(list).toContain('models/encoder/centernet.bin');
    expect(list).toContain('wasm/tfjs-backend-wasm-simd.wasm');
    expect(list).toContain('_astro/KaTeX_Main.x.woff2');
    for (const gone of ['models/fixture/weights.bin', 'models/eval/metrics.json', '_astro/KaTeX_Main.x.woff', '_astro/KaTeX_Main.x.ttf', 'examples/CREDITS.md', 'index.html']) expect(list).not.toContain(gone);
  });
});

describe('buildServiceWorker', () => {
  test('writes a worker that parses, listing the files, versioned by their contents', () => {
    const dir = site(FILES);
    const first = buildServiceWorker(dir);
    const again = buildServiceWorker(site(FILES));
    expect(again.version).toBe(first.version); // same bytes, same version
    const changed = buildServiceWorker(site({ ...FILES, 'models/flickr8k/weights.bin': 'retrained' }));
    expect(changed.version).not.toBe(first.version);
    const ignored = buildServiceWorker(site({ ...FILES, 'models/eval/metrics.json': '{"new": 1}' }));
    expect(ignored.version).toBe(first.version); // files it does not keep do not matter
  });
  test('the generated source is valid JavaScript and names its cache after the version', () => {
    const source = serviceWorkerSource('0123456789abcdef', ['./', 'explore/']);
    expect(() => new Script(source)).not.toThrow();
    expect(source).toContain('const VERSION = "0123456789abcdef"');
    expect(source).toContain('const PRECACHE = ["./","explore/"]');
    // Old versions' caches are deleted on activation.
    expect(source).toMatch(/k\.startsWith\('show-and-tell-'\) && k !== CACHE/);
  });
});
