import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const FLICKR8K = process.env['FLICKR8K_DIR'] ?? path.resolve(ROOT, '../shared/data/flickr8k');
const FEATURES = path.join(ROOT, 'artifacts/features/features.bin');
const CAPTIONS = path.join(ROOT, 'public/models/eval/test-captions.json');
const haveData = existsSync(path.join(FLICKR8K, 'captions.txt')) && existsSync(FEATURES) && existsSync(CAPTIONS);

if (!haveData) console.warn(`eval --check skipped: it needs the Flickr8k dataset (${FLICKR8K}) and its features (npm run features)`);

describe('committed test-split predictions', () => {
  it.skipIf(!haveData)('`npm run eval -- --check` regenerates 50 of them identically', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/train/eval.ts', '--check', '--n', '50'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    expect(r.stdout).toMatch(/50\/50 regenerated test captions match/);
    expect(r.status).toBe(0);
  }, 300_000);

  it.skipIf(!existsSync(CAPTIONS))('cover the 1,000 test images, written by the model that is shipped', () => {
    const file = JSON.parse(readFileSync(CAPTIONS, 'utf8'));
    const current = JSON.parse(readFileSync(path.join(ROOT, 'public/models/current.json'), 'utf8')).decoder;
    expect(file.model).toBe(`public/models/${current}`);
    expect(Object.keys(file.captions)).toHaveLength(1000);
    expect(Object.values(file.captions).every((c) => typeof c === 'string' && (c as string).length > 0)).toBe(true);
  });

});
