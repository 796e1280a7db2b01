/** The checks on a reader's image file: format sniffing, header sizes, and the sentences shown. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import {
  aboutFile,
  checkBeforeDecoding,
  checkSize,
  decodeFailureMessage,
  formatCount,
  MAX_FILE_BYTES,
  MAX_PIXELS,
  readImageHeader,
  sniffFormat,
  uprightSize,
} from '../../src/lib/image-checks';

const FIXTURES = path.resolve('test/fixtures/bad-images');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));
const bytes = (...parts: (number[] | string)[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

describe('sniffFormat', () => {
  test('recognises photo formats by their magic bytes, whatever the file is called', async () => {
    expect(sniffFormat(new Uint8Array(readFileSync('public/examples/dog.jpg')))).toBe('jpeg');
    expect(sniffFormat(fixture('one-pixel.png'))).toBe('png');
    expect(sniffFormat(fixture('animated.gif'))).toBe('gif');
    expect(sniffFormat(new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).webp().toBuffer()))).toBe('webp');
    expect(sniffFormat(new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).tiff().toBuffer()))).toBe('tiff');
    expect(sniffFormat(new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).avif().toBuffer()))).toBe('avif');
    expect(sniffFormat(fixture('fake.heic'))).toBe('heic');
    expect(sniffFormat(bytes([0, 0, 0, 0x1c], 'ftypmif1', [0, 0, 0, 0], 'mif1miaf'))).toBe('heif');
    expect(sniffFormat(bytes('BM', new Array(30).fill(0)))).toBe('bmp');
    expect(sniffFormat(bytes([0xff, 0x0a, 1, 2]))).toBe('jxl');
  });

  test('tells non-images apart: text, PDF, SVG, ZIP, video, empty', () => {
    expect(sniffFormat(fixture('not-an-image.jpg'))).toBe('text');
    expect(sniffFormat(fixture('document.pdf'))).toBe('pdf');
    expect(sniffFormat(bytes([0xef, 0xbb, 0xbf], '  <?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBe('svg');
    expect(sniffFormat(bytes('<svg viewBox="0 0 1 1"/>'))).toBe('svg');
    expect(sniffFormat(bytes([0x50, 0x4b, 0x03, 0x04, 0x14, 0]))).toBe('zip');
    expect(sniffFormat(bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0], 'isomiso2avc1mp41'))).toBe('video');
    expect(sniffFormat(bytes([0x1a, 0x45, 0xdf, 0xa3, 1]))).toBe('video');
    expect(sniffFormat(new Uint8Array(0))).toBe('empty');
    expect(sniffFormat(bytes([0x00, 0x01, 0x02, 0x03, 0xfe, 0x00]))).toBe('unknown');
  });
});

describe('readImageHeader', () => {
  test('JPEG: size from the frame header, EXIF orientation, and the upright size', () => {
    const h = readImageHeader(fixture('rotated-exif6.jpg'));
    expect(h).toMatchObject({ format: 'jpeg', width: 60, height: 40, orientation: 6, components: 3, truncated: false });
    expect(uprightSize(h)).toEqual({ width: 40, height: 60 });
    const dog = readImageHeader(new Uint8Array(readFileSync('public/examples/dog.jpg')));
    expect(dog).toMatchObject({ width: 768, height: 576, truncated: false });
    expect(uprightSize(dog)).toEqual({ width: 768, height: 576 });
  });

  test('JPEG: a file cut off inside the picture data is truncated; CMYK has 4 components', () => {
    expect(readImageHeader(fixture('truncated.jpg'))).toMatchObject({ format: 'jpeg', width: 64, height: 48, truncated: true });
    expect(readImageHeader(fixture('cmyk.jpg'))).toMatchObject({ width: 64, height: 48, components: 4, truncated: false });
    // Cut before the frame header: no size, and still truncated.
    expect(readImageHeader(fixture('truncated.jpg').subarray(0, 30))).toMatchObject({ format: 'jpeg', truncated: true });
  });

  test('JPEG: an EXIF thumbnail (its own FF D9) does not hide a truncated main image', async () => {
    const thumb = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#123' } }).jpeg().toBuffer();
    // APP1 segment carrying an embedded JPEG (with its end marker), then a truncated main image.
    const app1Body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.from('MM\0*\0\0\0\x08\0\0', 'latin1'), thumb]);
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (app1Body.length + 2) >> 8, (app1Body.length + 2) & 0xff]), app1Body]);
    const main = readFileSync(path.join(FIXTURES, 'truncated.jpg'));
    const file = new Uint8Array(Buffer.concat([main.subarray(0, 2), app1, main.subarray(2)]));
    expect(readImageHeader(file)).toMatchObject({ width: 64, height: 48, truncated: true });
  });

  test('PNG: size, alpha from the colour type, APNG animation, missing IEND', async () => {
    expect(readImageHeader(fixture('alpha.png'))).toMatchObject({ format: 'png', width: 64, height: 64, alpha: true, truncated: false });
    expect(readImageHeader(fixture('one-pixel.png'))).toMatchObject({ width: 1, height: 1, alpha: false });
    const png = fixture('alpha.png');
    expect(readImageHeader(png.subarray(0, png.length - 12))).toMatchObject({ truncated: true });
  });

  test('GIF: a second frame makes it animated; a single frame does not', async () => {
    expect(readImageHeader(fixture('animated.gif'))).toMatchObject({ format: 'gif', width: 48, height: 48, animated: true });
    const still = new Uint8Array(await sharp({ create: { width: 20, height: 10, channels: 3, background: '#f00' } }).gif().toBuffer());
    expect(readImageHeader(still)).toMatchObject({ width: 20, height: 10, animated: false });
  });

  test('WebP (lossy, lossless, extended) and BMP sizes', async () => {
    const img = () => sharp({ create: { width: 30, height: 20, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } });
    expect(readImageHeader(new Uint8Array(await img().removeAlpha().webp().toBuffer()))).toMatchObject({ format: 'webp', width: 30, height: 20 });
    expect(readImageHeader(new Uint8Array(await img().webp({ lossless: true }).toBuffer()))).toMatchObject({ width: 30, height: 20, alpha: true });
    expect(readImageHeader(new Uint8Array(await img().webp().toBuffer()))).toMatchObject({ width: 30, height: 20, alpha: true });
    const bmp = new Uint8Array(54);
    bmp.set([0x42, 0x4d]);
    new DataView(bmp.buffer).setInt32(18, 300, true);
    new DataView(bmp.buffer).setInt32(22, -200, true); // top-down BMPs store a negative height
    expect(readImageHeader(bmp)).toEqual({ format: 'bmp', width: 300, height: 200 });
  });

  test('never throws on damaged bytes', () => {
    for (const b of [bytes([0xff, 0xd8, 0xff]), bytes([0x89], 'PNG\r\n\x1a\n', 'IHDR'), bytes('GIF89a', [1]), bytes('RIFF\0\0\0\0WEBPVP8X')]) {
      expect(() => readImageHeader(b)).not.toThrow();
    }
    expect(readImageHeader(fixture('corrupt.jpg'))).toEqual({ format: 'jpeg' });
  });
});

describe('the size rule', () => {
  test('refuses more than MAX_PIXELS before decoding, naming the size', () => {
    const verdict = checkSize(12000, 12000);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.message).toMatch(/12,000 × 12,000 pixels \(144 megapixels\).*50 megapixels/);
    expect(checkSize(8064, 6048).ok).toBe(true); // a 48-megapixel phone photo
    expect(MAX_PIXELS).toBe(50_000_000);
  });

  test('refuses a 1 × 1 image and notes a very wide one', () => {
    const tiny = checkSize(1, 1);
    expect(tiny).toEqual({ ok: false, message: expect.stringMatching(/only 1 × 1 pixels: too small/) });
    expect(checkSize(16, 16)).toEqual({ ok: true, notes: [] });
    expect(checkSize(15, 400).ok).toBe(false);
    const wide = checkSize(5000, 1000);
    expect(wide.ok && wide.notes.join(' ')).toMatch(/squashes/);
  });

  test('formatCount groups thousands', () => {
    expect([formatCount(0), formatCount(999), formatCount(12000), formatCount(144000000)]).toEqual(['0', '999', '12,000', '144,000,000']);
  });
});

describe('checkBeforeDecoding', () => {
  const verdict = (name: string) => {
    const b = fixture(name);
    return checkBeforeDecoding(readImageHeader(b), b.length);
  };

  test('refuses what cannot be a photo, saying what it is', () => {
    expect(verdict('not-an-image.jpg')).toEqual({ ok: false, message: expect.stringMatching(/not an image: it looks like a text file/) });
    expect(verdict('document.pdf')).toEqual({ ok: false, message: expect.stringMatching(/PDF document/) });
    expect(checkBeforeDecoding({ format: 'svg' }, 100)).toEqual({ ok: false, message: expect.stringMatching(/SVG drawing.*PNG or JPEG/) });
    expect(checkBeforeDecoding({ format: 'video' }, 100)).toEqual({ ok: false, message: expect.stringMatching(/video, not a photo/) });
    expect(checkBeforeDecoding({ format: 'empty' }, 0)).toEqual({ ok: false, message: expect.stringMatching(/empty/) });
    expect(checkBeforeDecoding({ format: 'jpeg' }, MAX_FILE_BYTES + 1)).toEqual({ ok: false, message: expect.stringMatching(/MB/) });
  });

  test('refuses a truncated JPEG and a 1 × 1 PNG before decoding', () => {
    expect(verdict('truncated.jpg')).toEqual({ ok: false, message: expect.stringMatching(/JPEG file is cut off/) });
    expect(verdict('one-pixel.png')).toEqual({ ok: false, message: expect.stringMatching(/1 × 1/) });
  });

  test('accepts, with a note, animation, transparency and CMYK; photos of any orientation pass silently', () => {
    expect(verdict('animated.gif')).toEqual({ ok: true, notes: [expect.stringMatching(/first frame/)] });
    expect(verdict('alpha.png')).toEqual({ ok: true, notes: [expect.stringMatching(/transparent parts are shown on white/)] });
    expect(verdict('cmyk.jpg')).toEqual({ ok: true, notes: [expect.stringMatching(/CMYK/)] });
    expect(verdict('rotated-exif6.jpg')).toEqual({ ok: true, notes: [] });
    // HEIC is tried (Safari decodes it); a browser that cannot is answered by decodeFailureMessage.
    expect(verdict('fake.heic')).toEqual({ ok: true, notes: [] });
  });

  test('a 12,000 × 12,000 JPEG is refused from its header alone', () => {
    // Only the header matters (a real 144-megapixel file is made in the e2e test): a small JPEG
    // whose frame header is rewritten to say 12,000 × 12,000.
    const jpeg = fixture('truncated.jpg').slice();
    const sof = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xc0);
    expect(sof).toBeGreaterThan(0);
    new DataView(jpeg.buffer).setUint16(sof + 5, 12000);
    new DataView(jpeg.buffer).setUint16(sof + 7, 12000);
    const header = readImageHeader(jpeg);
    expect(header).toMatchObject({ width: 12000, height: 12000 });
    // The size is refused first: the reader learns the real problem, not that the file is cut off.
    expect(checkBeforeDecoding(header, jpeg.length)).toEqual({ ok: false, message: expect.stringMatching(/144 megapixels/) });
  });
});

describe('messages', () => {
  test('a failed decode names the format', () => {
    expect(decodeFailureMessage({ format: 'heic' })).toMatch(/HEIC photo \(the iPhone's default format\).*JPEG/);
    expect(decodeFailureMessage({ format: 'jpeg' })).toMatch(/JPEG is damaged/);
    expect(decodeFailureMessage({ format: 'jpeg', components: 4 })).toMatch(/CMYK.*cannot decode/);
    expect(decodeFailureMessage({ format: 'tiff' })).toMatch(/TIFF/);
    expect(decodeFailureMessage({ format: 'unknown' })).toMatch(/not an image this browser can read/);
  });

  test('aboutFile quotes the name, strips control characters and long tails', () => {
    expect(aboutFile('cat.png', 'too small.')).toBe('“cat.png”: too small.');
    expect(aboutFile('a\u0000b\nc.jpg', 'x')).toBe('“abc.jpg”: x');
    expect(aboutFile('', 'x')).toBe('x');
    expect(aboutFile('n'.repeat(200), 'x')).toBe(`“${'n'.repeat(80)}”: x`);
  });
});
