/** Model downloads (issue #9): byte counting, truncation, progress text, Retry past the caches. */
import { describe, expect, test } from 'vitest';
import { RELOAD_HEADER } from '../../scripts/build-sw.mjs';
import { fallbacksAfter, backendOrder } from '../../src/lib/backend';
import { declaredLength, formatBytes, progressText, readWithProgress, reloadInit, type FileProgress } from '../../src/lib/captioner';
import { loadingStatus } from '../../src/lib/session';

/** A Response whose body arrives in the given chunks, optionally claiming another length. */
function streamed(chunks: number[], contentLength?: number): Response {
  let k = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (k < chunks.length) controller.enqueue(new Uint8Array(chunks[k]!).fill(k++ + 1));
      else controller.close();
    },
  });
  const headers: Record<string, string> = contentLength === undefined ? {} : { 'content-length': String(contentLength) };
  return new Response(body, { headers });
}

describe('formatting', () => {
  test('bytes in decimal units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(512_000)).toBe('512 kB');
    expect(formatBytes(4_081_665)).toBe('4.1 MB');
    expect(formatBytes(NaN)).toBe('? B');
  });
  test('progress with and without a known size', () => {
    expect(progressText(1_000_000, 4_000_000)).toBe('1.0 MB of 4.0 MB (25 %)');
    expect(progressText(3_999_999, 4_000_000)).toBe('4.0 MB of 4.0 MB (99 %)'); // never 100 % before the end
    expect(progressText(2_000, undefined)).toBe('2.0 kB');
  });
  test('the declared size is trusted only when it counts the bytes the reader yields', () => {
    expect(declaredLength(new Headers({ 'content-length': '42' }))).toBe(42);
    expect(declaredLength(new Headers({ 'content-length': '42', 'content-encoding': 'gzip' }))).toBeUndefined();
    expect(declaredLength(new Headers({ 'content-length': 'x' }))).toBeUndefined();
    expect(declaredLength(new Headers())).toBeUndefined();
  });
});

describe('readWithProgress', () => {
  test('counts every chunk and returns the bytes in order', async () => {
    const seen: FileProgress[] = [];
    const buffer = await readWithProgress(streamed([3, 5, 2], 10), 'flickr8k/weights.bin', (p) => seen.push({ ...p }));
    expect(Array.from(new Uint8Array(buffer))).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 3, 3]);
    expect(seen.map((p) => p.loaded)).toEqual([0, 3, 8, 10]);
    expect(seen.every((p) => p.total === 10 && p.file === 'flickr8k/weights.bin')).toBe(true);
  });
  test('a body shorter than its Content-Length is a truncated download, named', async () => {
    await expect(readWithProgress(streamed([4, 4], 100), 'encoder/centernet.bin')).rejects.toThrow(/"encoder\/centernet\.bin" was cut off: 8 B of 100 B/);
  });
  test('without a Content-Length it reads whatever arrives', async () => {
    const buffer = await readWithProgress(streamed([7]), 'x.json');
    expect(buffer.byteLength).toBe(7);
  });
});

describe('Retry goes past the caches', () => {
  test('the header the page sends is the one the service worker looks for', () => {
    const init = reloadInit(true);
    expect(init.cache).toBe('reload');
    expect(Object.keys(init.headers as Record<string, string>)).toEqual([RELOAD_HEADER]);
    expect(reloadInit(false)).toEqual({});
  });
});

describe('status while loading', () => {
  test('names the file and gives bytes and percent', () => {
    const s = loadingStatus({ stage: 'decoder', name: 'flickr8k', progress: { file: 'flickr8k/weights.bin', loaded: 2_040_832, total: 4_081_665 } }, 'wasm');
    expect(s.message).toBe('Downloading the caption decoder “flickr8k” (flickr8k/weights.bin): 2.0 MB of 4.1 MB (49 %)');
    expect(s.progress).toBeCloseTo(0.5, 2);
    expect(s).toMatchObject({ phase: 'loading', backend: 'wasm', loaded: 2_040_832, total: 4_081_665 });
  });
  test('an unknown size leaves the bar indeterminate', () => {
    const s = loadingStatus({ stage: 'encoder', fraction: 0, progress: { file: 'encoder/centernet.bin', loaded: 5000, total: undefined } }, 'cpu');
    expect(s.progress).toBeUndefined();
    expect(s.message).toMatch(/image encoder.*5\.0 kB$/);
  });
});

describe('backend fallbacks', () => {
  test('a lost WebGL context falls back to wasm, then plain JS — never WebGL again', () => {
    expect(fallbacksAfter('webgl')).toEqual(['wasm', 'cpu']);
    expect(fallbacksAfter('wasm')).toEqual(['cpu']);
  });
  test('a requested backend goes first', () => {
    expect(backendOrder('cpu')).toEqual(['cpu', 'webgl', 'wasm']);
    expect(backendOrder(null)).toEqual(['webgl', 'wasm', 'cpu']);
  });
});
