#!/usr/bin/env node
/**
 * Copies a dozen Flickr8k **test** images (never seen in training) and their five human captions
 * into the git-ignored public/flickr8k-test/, with an index.json the image picker reads at build
 * time. Flickr8k may not be redistributed in the repository, so this runs on a machine that has the
 * dataset; without it the script says so and the gallery simply has no Flickr8k section.
 *
 * Dataset folder: $FLICKR8K_DIR, else ../shared/data/flickr8k beside the project.
 * Usage: node scripts/prepare-test-images.mjs [count]   (run it before `astro build`)
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_COUNT = 12;
export const OUT_DIR = path.join(ROOT, 'public/flickr8k-test');

export function datasetDir(env = process.env, root = ROOT) {
  return env.FLICKR8K_DIR ? path.resolve(env.FLICKR8K_DIR) : path.resolve(root, '../shared/data/flickr8k');
}

/** `image_sources.tsv` → Map(file → { width, height, kind }). */
export function parseSources(tsv) {
  const rows = tsv.split('\n').filter(Boolean);
  const header = rows.shift()?.split('\t') ?? [];
  const col = (name) => header.indexOf(name);
  const [f, w, h, k] = ['file', 'width', 'height', 'kind'].map(col);
  const out = new Map();
  if (f < 0) return out;
  for (const row of rows) {
    const c = row.split('\t');
    out.set(c[f], { width: Number(c[w]), height: Number(c[h]), kind: c[k] ?? '' });
  }
  return out;
}

/** `captions.txt` (`IMAGE.jpg#N<TAB>caption`) → Map(file → captions in N order). */
export function parseCaptions(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const [file, n] = line.slice(0, tab).split('#');
    const list = out.get(file) ?? [];
    list[Number(n) || 0] = line.slice(tab + 1).trim().replace(/\s+\./, '.');
    out.set(file, list);
  }
  return out;
}

/**
 * The first `count` test images, in the split file's order, whose aspect ratio is true (the
 * "original-resized" copies; the others were squashed to 224 × 224 by a third party) and that
 * have all five captions. Deterministic: the same dataset always gives the same selection.
 */
export function selectTestImages(testList, sources, captions, count = DEFAULT_COUNT) {
  const picked = [];
  for (const file of testList) {
    if (picked.length >= count) break;
    const src = sources.get(file);
    const refs = (captions.get(file) ?? []).filter(Boolean);
    if (!src || src.kind !== 'original-resized' || refs.length < 5) continue;
    picked.push({ id: file.replace(/\.jpg$/, ''), file, width: src.width, height: src.height, references: refs.slice(0, 5) });
  }
  return picked;
}

/** Builds the selection from a dataset folder. */
export function planFromDataset(dir, count = DEFAULT_COUNT) {
  const read = (rel) => readFileSync(path.join(dir, rel), 'utf8');
  const testList = read('splits/test.txt').split('\n').map((s) => s.trim()).filter(Boolean);
  return selectTestImages(testList, parseSources(read('image_sources.tsv')), parseCaptions(read('captions.txt')), count);
}

async function sameFile(src, dest) {
  try {
    const [a, b] = await Promise.all([stat(src), stat(dest)]);
    return a.size === b.size && a.mtimeMs <= b.mtimeMs;
  } catch {
    return false;
  }
}

/** Writes public/flickr8k-test/; returns the number of images, or 0 when the dataset is absent. */
export async function prepareTestImages({ dir = datasetDir(), out = OUT_DIR, count = DEFAULT_COUNT, log = console.log } = {}) {
  if (!existsSync(path.join(dir, 'splits/test.txt'))) {
    log(`prepare-test-images: no Flickr8k dataset at ${dir} (set FLICKR8K_DIR); the gallery will have no Flickr8k section.`);
    return 0;
  }
  const images = planFromDataset(dir, count);
  await mkdir(out, { recursive: true });
  const keep = new Set(['index.json', ...images.map((i) => i.file)]);
  for (const name of await readdir(out)) if (!keep.has(name)) await rm(path.join(out, name), { force: true });
  for (const img of images) {
    const src = path.join(dir, 'images', img.file);
    const dest = path.join(out, img.file);
    if (await sameFile(src, dest)) continue;
    await rm(dest, { force: true }); // the dataset's files are read-only, and copyFile keeps the mode
    await copyFile(src, dest);
  }
  const index = {
    source: 'Flickr8k test split (Hodosh, Young & Hockenmaier 2013, JAIR 47). Photos © their Flickr photographers; research and teaching use only; not redistributed with the project.',
    images,
  };
  await writeFile(path.join(out, 'index.json'), JSON.stringify(index, null, 1) + '\n');
  log(`prepare-test-images: ${images.length} Flickr8k test images in ${path.relative(ROOT, out) || out}`);
  return images.length;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const count = Number(process.argv[2] ?? DEFAULT_COUNT);
  await prepareTestImages({ count: Number.isInteger(count) && count > 0 ? count : DEFAULT_COUNT });
}
