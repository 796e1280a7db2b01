/** The small pure helpers of the page's browser code. */
import { describe, expect, test } from 'vitest';
import { backendOrder, requestedBackend } from '../../src/lib/backend';
import { BEAM } from '../../src/lib/captioner';
import { decoderName } from '../../src/lib/model-files';
import { fitWithin, MAX_SIDE, rgbaToRgb } from '../../src/lib/image-decode';
import { withBase } from '../../src/lib/paths';

describe('backend choice', () => {
  test('?backend= puts a known backend first and ignores anything else', () => {
    expect(requestedBackend('?backend=wasm')).toBe('wasm');
    expect(requestedBackend('?photo=dog&backend=cpu')).toBe('cpu');
    expect(requestedBackend('?backend=webgpu')).toBeNull();
    expect(requestedBackend('')).toBeNull();
    expect(backendOrder('wasm')).toEqual(['wasm', 'webgl', 'cpu']);
    expect(backendOrder(null)).toEqual(['webgl', 'wasm', 'cpu']);
  });
});

describe('decoderName', () => {
  test('accepts a plain folder name', () => {
    expect(decoderName({ decoder: 'flickr8k' })).toBe('flickr8k');
    expect(decoderName({ decoder: 'fixture' })).toBe('fixture');
  });
  test.each([[{}], [null], [{ decoder: '../secrets' }], [{ decoder: 'https://cdn.example/x' }], [{ decoder: '' }], [{ decoder: 3 }]])('rejects %j', (json) => {
    expect(() => decoderName(json)).toThrow(/current\.json/);
  });
});

test('the live figure uses beam search with k = 3 and at most 20 words', () => {
  expect(BEAM).toMatchObject({ beamWidth: 3, maxLength: 20 });
});

test('rgbaToRgb drops alpha and keeps pixel order', () => {
  const rgba = new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 0]);
  expect(rgbaToRgb(rgba, 2, 1)).toEqual({ width: 2, height: 1, data: new Uint8Array([1, 2, 3, 4, 5, 6]) });
  expect(() => rgbaToRgb(rgba, 3, 1)).toThrow(/expected 12 bytes/);
});

test('withBase joins the site base and a path with exactly one slash', () => {
  expect(withBase('/', 'models/current.json')).toBe('/models/current.json');
  expect(withBase('/sub', '/wasm/')).toBe('/sub/wasm/');
  expect(withBase('/sub/', 'examples/dog.jpg')).toBe('/sub/examples/dog.jpg');
});

test('fitWithin keeps photos up to MAX_SIDE as they are and scales larger ones down', () => {
  expect(MAX_SIDE).toBeGreaterThanOrEqual(1280); // the largest example photo: its pixels must stay untouched
  expect(fitWithin(1280, 852, MAX_SIDE)).toEqual({ width: 1280, height: 852 });
  expect(fitWithin(4000, 3000, 2000)).toEqual({ width: 2000, height: 1500 });
  expect(fitWithin(3000, 4000, 2000)).toEqual({ width: 1500, height: 2000 });
  expect(fitWithin(100000, 10, 2000)).toEqual({ width: 2000, height: 1 });
});
