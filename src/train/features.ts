/**
 * `npm run features`: CenterNet features for every Flickr8k split image.
 *
 * Runs N worker processes (default 2, one per core), each with its own wasm heap, each appending
 * binary records to its own part file, so an interrupted run resumes where it stopped.
 * Output: <work>/features/features.bin (Float32, N × 560) and features.json (the image order).
 */
import { fork } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FEATURE_DIM } from '../model/encoder';
import { dataDirs, flagNumber, Logger, parseFlags, Progress, runIfMain, workDir } from './cli';
import { readSplit, requireDir } from './data';

const RECORD_NAME_BYTES = 64;
const RECORD_BYTES = RECORD_NAME_BYTES + FEATURE_DIM * 4;

/** Read a part file: a sequence of fixed-size records (64-byte padded name, 560 float32). */
export function readPart(file: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  if (!existsSync(file)) return out;
  const buf = readFileSync(file);
  const whole = Math.floor(buf.length / RECORD_BYTES); // a torn last record (killed mid-write) is dropped
  for (let r = 0; r < whole; r++) {
    const off = r * RECORD_BYTES;
    const name = buf.subarray(off, off + RECORD_NAME_BYTES).toString('utf8').replace(/\0+$/, '');
    const feat = new Float32Array(buf.buffer.slice(buf.byteOffset + off + RECORD_NAME_BYTES, buf.byteOffset + off + RECORD_BYTES));
    out.set(name, feat);
  }
  return out;
}

function encodeRecord(name: string, feature: Float32Array): Buffer {
  const rec = Buffer.alloc(RECORD_BYTES);
  rec.write(name, 0, RECORD_NAME_BYTES, 'utf8');
  Buffer.from(feature.buffer, feature.byteOffset, feature.byteLength).copy(rec, RECORD_NAME_BYTES);
  return rec;
}

async function runWorker(imagesDir: string, partFile: string, names: string[]): Promise<void> {
  const { initBackend, centernetPath, loadGraphModelFromFile } = await import('./node-backend');
  const { decodeImageFile } = await import('./decode-image');
  const { encodeImage } = await import('../model/encoder');
  await initBackend('wasm');
  const model = await loadGraphModelFromFile(centernetPath());
  for (const name of names) {
    const { feature } = encodeImage(model, await decodeImageFile(path.join(imagesDir, name)));
    appendFileSync(partFile, encodeRecord(name, feature));
    process.send?.({ done: name });
  }
}

export function featurePaths(work: string) {
  const dir = path.join(work, 'features');
  return { dir, bin: path.join(dir, 'features.bin'), index: path.join(dir, 'features.json') };
}

/** Load merged features: image name → 560 floats. */
export function loadFeatures(work: string): Map<string, Float32Array> {
  const { bin, index } = featurePaths(work);
  if (!existsSync(bin)) throw new Error(`features not found at ${bin}: run \`npm run features\` first`);
  const names: string[] = JSON.parse(readFileSync(index, 'utf8')).images;
  const buf = readFileSync(bin);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return new Map(names.map((n, i) => [n, all.slice(i * FEATURE_DIM, (i + 1) * FEATURE_DIM)]));
}

async function main(): Promise<void> {
  const { flags } = parseFlags();
  if (flags['worker']) {
    const job = JSON.parse(readFileSync(String(flags['worker']), 'utf8'));
    await runWorker(job.imagesDir, job.partFile, job.names);
    return;
  }
  const dirs = dataDirs(flags);
  requireDir(dirs.flickr8k, 'Flickr8k');
  const work = workDir(flags);
  const paths = featurePaths(work);
  mkdirSync(paths.dir, { recursive: true });
  const logger = new Logger(path.join(work, 'logs', 'features.log'));
  const workers = flagNumber(flags, 'workers', 2);
  const limit = flagNumber(flags, 'limit', Infinity);
  const images = [...readSplit(dirs.flickr8k, 'train'), ...readSplit(dirs.flickr8k, 'dev'), ...readSplit(dirs.flickr8k, 'test')].slice(0, limit);

  const partFile = (w: number) => path.join(paths.dir, `part-${w}.bin`);
  // A run killed mid-write can leave a torn last record; cut it so appended records stay aligned.
  for (let w = 0; w < 16; w++) {
    const f = partFile(w);
    if (existsSync(f)) truncateSync(f, Math.floor(statSync(f).size / RECORD_BYTES) * RECORD_BYTES);
  }
  const done = new Map<string, Float32Array>();
  for (let w = 0; w < 16; w++) for (const [k, v] of readPart(partFile(w))) done.set(k, v);
  const todo = images.filter((n) => !done.has(n));
  logger.log(`features: ${images.length} images, ${done.size} already done (resumed), ${todo.length} to go, ${workers} workers`);

  const progress = new Progress('features', images.length, images.length - todo.length);
  const self = fileURLToPath(import.meta.url);
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      // Workers never share a part file; a resumed run appends to the part file of its own index.
      const names = todo.filter((_, i) => i % workers === w);
      if (names.length === 0) return Promise.resolve();
      const jobFile = path.join(paths.dir, `job-${w}.json`);
      writeFileSync(jobFile, JSON.stringify({ imagesDir: path.join(dirs.flickr8k, 'images'), partFile: partFile(w), names }));
      return new Promise<void>((resolve, reject) => {
        const child = fork(self, ['--worker', jobFile], { execArgv: ['--import', 'tsx'] });
        child.on('message', () => progress.tick());
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`feature worker ${w} exited with ${code}`))));
      });
    }),
  );

  for (let w = 0; w < 16; w++) for (const [k, v] of readPart(partFile(w))) done.set(k, v);
  const missing = images.filter((n) => !done.has(n));
  if (missing.length) throw new Error(`features missing for ${missing.length} images, e.g. ${missing[0]}`);
  const out = new Float32Array(images.length * FEATURE_DIM);
  images.forEach((n, i) => out.set(done.get(n)!, i * FEATURE_DIM));
  writeFileSync(paths.bin, Buffer.from(out.buffer));
  writeFileSync(paths.index, JSON.stringify({ encoder: 'centernet@human-3.3.6', dim: FEATURE_DIM, images }));
  logger.log(`features: wrote ${images.length} × ${FEATURE_DIM} to ${paths.bin}`);
}

runIfMain(import.meta.url, main);
