/**
 * `npm run example-features`: the encoder's output for every committed example photo, so the page
 * can decode an example as soon as the small decoder has loaded, before the 4 MB encoder has (the
 * encoder still runs live for uploads and webcam frames). Node and the page compute identical
 * features from identical pixels (test/e2e/encoder-parity.test.ts).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeImage, topClasses } from '../model/encoder';
import { encodeFloat32 } from '../model/example-features';
import { runIfMain } from './cli';
import { decodeImageFile } from './decode-image';
import { centernetPath, initBackend, loadGraphModelFromFile } from './node-backend';

async function main() {
  await initBackend('wasm');
  const encoder = await loadGraphModelFromFile(centernetPath());
  const dir = path.resolve('public/examples');
  const photos: Record<string, { width: number; height: number; feature: string; classes: { name: string; score: number }[] }> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort()) {
    const image = await decodeImageFile(path.join(dir, file));
    const { feature, classScores } = encodeImage(encoder, image);
    photos[file.replace(/\.jpg$/, '')] = { width: image.width, height: image.height, feature: encodeFloat32(feature), classes: topClasses(classScores, 5).map((c) => ({ name: c.name, score: Number(c.score.toFixed(4)) })) };
  }
  const out = path.resolve('public/models/example-features.json');
  writeFileSync(out, JSON.stringify({ encoder: 'centernet@human-3.3.6', dim: 560, photos }) + '\n');
  console.log(`example-features: ${Object.keys(photos).length} photos → ${path.relative(process.cwd(), out)}`);
}

runIfMain(import.meta.url, main);
