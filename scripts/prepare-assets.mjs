#!/usr/bin/env node
/**
 * Copies the run-time assets that ship inside npm packages into public/, so the page loads them from
 * our own origin (no CDN) and git never has to hold them (both destinations are git-ignored):
 *   - the CenterNet image encoder from @vladmandic/human → public/models/encoder/
 *   - the tfjs wasm binaries from @tensorflow/tfjs-backend-wasm → public/wasm/
 * Runs before `dev` and `build`; works on a fresh clone after `npm ci`. Copies only files whose
 * size or mtime changed, so repeated runs are cheap.
 */
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Walk up from a package's resolved entry to the folder named like the package (its "exports" hide package.json). */
function packageDir(require, name) {
  let dir = path.dirname(require.resolve(name));
  const leaf = name.split('/').pop();
  while (path.basename(dir) !== leaf) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`prepare-assets: cannot find the folder of ${name}; did \`npm ci\` run?`);
    dir = up;
  }
  return dir;
}

/**
 * The copy plan: [source file, destination file] pairs.
 * @returns {Promise<[string, string][]>}
 */
export async function assetPlan(root = ROOT) {
  const require = createRequire(path.join(root, 'package.json'));
  const human = packageDir(require, '@vladmandic/human');
  const wasmDist = path.join(packageDir(require, '@tensorflow/tfjs-backend-wasm'), 'dist');
  const wasmFiles = (await readdir(wasmDist)).filter((f) => f.endsWith('.wasm'));
  if (wasmFiles.length === 0) throw new Error(`prepare-assets: no .wasm files in ${wasmDist}`);
  return [
    ...['centernet.json', 'centernet.bin'].map((f) => /** @type {[string, string]} */ ([path.join(human, 'models', f), path.join(root, 'public/models/encoder', f)])),
    ...wasmFiles.map((f) => /** @type {[string, string]} */ ([path.join(wasmDist, f), path.join(root, 'public/wasm', f)])),
  ];
}

async function upToDate(src, dest) {
  try {
    const [a, b] = await Promise.all([stat(src), stat(dest)]);
    return a.size === b.size && a.mtimeMs <= b.mtimeMs;
  } catch {
    return false;
  }
}

/** Copies every asset of the plan; returns how many files were (re)copied. */
export async function prepareAssets(root = ROOT) {
  let copied = 0;
  for (const [src, dest] of await assetPlan(root)) {
    if (await upToDate(src, dest)) continue;
    await mkdir(path.dirname(dest), { recursive: true });
    await copyFile(src, dest);
    copied++;
  }
  return copied;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const copied = await prepareAssets();
  console.log(`prepare-assets: ${copied} file(s) copied to public/models/encoder and public/wasm`);
}
