#!/usr/bin/env node
/**
 * Writes the small "bad input" files the image-input tests feed the page (test/fixtures/bad-images/,
 * committed, a few kB each). Regenerate with `node scripts/make-bad-images.mjs`; the 12,000 × 12,000
 * photo is made by the e2e test at run time instead (about 0.8 MB).
 *
 * HEIC: the sharp build here has no HEVC encoder, so `fake.heic` is a real HEIC file header
 * ("ftyp" box, brand heic) followed by bytes no decoder accepts. It exercises what the page must
 * do: recognise the format by its magic bytes and name it when the browser cannot decode it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'test/fixtures/bad-images');
const source = path.join(ROOT, 'public/examples/dog.jpg');

const small = () => sharp(source).resize(64, 48);
const solid = (width, height, background, channels = 3) => sharp({ create: { width, height, channels, background } });

const files = {
  /** A text file wearing a .jpg name. */
  'not-an-image.jpg': Buffer.from('These are holiday notes, not a photo.\nDay 1: the beach.\n'),
  /** The first bytes of a PDF. */
  'document.pdf': Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
  /** A good JPEG cut off at 60 % of its bytes (an interrupted download). */
  'truncated.jpg': await small()
    .jpeg({ quality: 80 })
    .toBuffer()
    .then((b) => b.subarray(0, Math.floor(b.length * 0.6))),
  /** A JPEG start, then bytes that are no JPEG segment. */
  'corrupt.jpg': Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'binary'), Buffer.alloc(200, 0x42), Buffer.from([0xff, 0xd9])]),
  'one-pixel.png': await solid(1, 1, '#d04030').png().toBuffer(),
  /** Two frames, red then blue: the model must see the red one. */
  'animated.gif': await sharp([await solid(48, 48, '#ff0000').png().toBuffer(), await solid(48, 48, '#0000ff').png().toBuffer()], { join: { animated: true } })
    .gif({ delay: [400, 400], loop: 0 })
    .toBuffer(),
  /** Fully transparent except a dark square in the middle: composited on white. */
  'alpha.png': await solid(64, 64, { r: 0, g: 0, b: 0, alpha: 0 }, 4)
    .composite([{ input: await solid(32, 32, { r: 20, g: 20, b: 120, alpha: 1 }, 4).png().toBuffer(), left: 16, top: 16 }])
    .png()
    .toBuffer(),
  /** Print colours (4 components). */
  'cmyk.jpg': await small().toColourspace('cmyk').jpeg({ quality: 80 }).toBuffer(),
  /** Stored 60 × 40 with EXIF orientation 6: upright it is 40 × 60. */
  'rotated-exif6.jpg': await solid(60, 40, '#c04020').jpeg().withMetadata({ orientation: 6 }).toBuffer(),
  'fake.heic': Buffer.concat([
    Buffer.from([0x00, 0x00, 0x00, 0x18]),
    Buffer.from('ftypheic', 'latin1'),
    Buffer.from([0x00, 0x00, 0x00, 0x00]),
    Buffer.from('mif1heic', 'latin1'),
    Buffer.alloc(256, 0x5a),
  ]),
};

await mkdir(OUT, { recursive: true });
for (const [name, bytes] of Object.entries(files)) {
  await writeFile(path.join(OUT, name), bytes);
  console.log(`${name.padEnd(20)} ${String(bytes.length).padStart(6)} bytes`);
}
