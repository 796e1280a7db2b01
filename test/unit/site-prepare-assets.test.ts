/** scripts/prepare-assets.mjs: the encoder and the wasm binaries come from node_modules, not from git. */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { assetPlan, prepareAssets } from '../../scripts/prepare-assets.mjs';

describe('prepare-assets', () => {
  test('plans the CenterNet graph and every tfjs wasm binary, into git-ignored folders', async () => {
    const plan = await assetPlan();
    const dests = plan.map(([, dest]) => path.relative(process.cwd(), dest)).sort();
    expect(dests).toEqual([
      'public/models/encoder/centernet.bin',
      'public/models/encoder/centernet.json',
      'public/wasm/tfjs-backend-wasm-simd.wasm',
      'public/wasm/tfjs-backend-wasm-threaded-simd.wasm',
      'public/wasm/tfjs-backend-wasm.wasm',
    ]);
    for (const [src] of plan) expect(existsSync(src), src).toBe(true);
    // git check-ignore exits non-zero (and execFileSync throws) for a path that would be committed.
    for (const dest of dests) execFileSync('git', ['check-ignore', '-q', dest]);
  });

  test('leaves byte-identical copies', async () => {
    await prepareAssets();
    for (const [src, dest] of await assetPlan()) expect(statSync(dest).size, dest).toBe(statSync(src).size);
  });
});
