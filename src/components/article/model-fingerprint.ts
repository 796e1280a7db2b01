/**
 * Node-only (build time and scripts): a short fingerprint of the decoder that models/current.json
 * names, so a precomputed trace made from another model is never shown as if it were this one's.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function currentDecoderName(publicDir = 'public'): string {
  return (JSON.parse(readFileSync(path.join(publicDir, 'models', 'current.json'), 'utf8')) as { decoder: string }).decoder;
}

/** sha-256 of model.json, weights.bin and vocab.json (first 16 hex digits); '' when the folder is missing. */
export function modelFingerprint(dir: string): string {
  const hash = createHash('sha256');
  for (const file of ['model.json', 'weights.bin', 'vocab.json']) {
    const p = path.join(dir, file);
    if (!existsSync(p)) return '';
    hash.update(file).update(readFileSync(p));
  }
  return hash.digest('hex').slice(0, 16);
}
