/**
 * Checks on a reader's image file before (and after) the browser decodes it: what the bytes are
 * (magic numbers, not the file name or the type the OS guessed), how large the picture is (read
 * from the header, so a 12,000 × 12,000 photo is refused before it costs 576 MB of pixels), and
 * a friendly sentence for everything that can go wrong.
 *
 * Pure and DOM-free, so every rule is unit-tested in Node (test/unit/image-checks.test.ts). Strings
 * from the reader (file names) are returned as data; the page writes them with textContent only.
 */

/** Formats we can tell apart by their first bytes. */
export type ImageFormat =
  | 'jpeg'
  | 'png'
  | 'gif'
  | 'webp'
  | 'bmp'
  | 'ico'
  | 'avif'
  | 'heic'
  | 'heif'
  | 'tiff'
  | 'jxl'
  | 'psd'
  | 'svg'
  | 'pdf'
  | 'zip'
  | 'video'
  | 'text'
  | 'empty'
  | 'unknown';

/** What people call each format, for messages. */
export const FORMAT_NAMES: Record<ImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  gif: 'GIF',
  webp: 'WebP',
  bmp: 'BMP',
  ico: 'ICO icon',
  avif: 'AVIF',
  heic: 'HEIC',
  heif: 'HEIF',
  tiff: 'TIFF (or camera RAW)',
  jxl: 'JPEG XL',
  psd: 'Photoshop (PSD)',
  svg: 'SVG drawing',
  pdf: 'PDF document',
  zip: 'ZIP archive (or an Office document)',
  video: 'video',
  text: 'text file',
  empty: 'empty file',
  unknown: 'unknown',
};

/** Photo formats some browser can decode: we always try these and explain a failure afterwards. */
const PHOTO_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'gif', 'webp', 'bmp', 'ico', 'avif', 'heic', 'heif', 'tiff', 'jxl', 'unknown'];

/** Formats no browser decodes as a photo (createImageBitmap refuses SVG blobs): don't even try. */
export function isNeverAPhoto(format: ImageFormat): boolean {
  return !PHOTO_FORMATS.includes(format);
}

/** Files above this are refused before reading: a 48-megapixel phone photo is about 20 MB. */
export const MAX_FILE_BYTES = 100 * 1024 * 1024;
/**
 * Chromium decodes the whole picture to RGBA before any resize (measured: a 12,000 × 12,000 JPEG
 * took the renderer from 0.9 to 1.7 GB even with createImageBitmap's resizeWidth/resizeHeight), so
 * the only safe limit is on the pixel count, checked from the header before decoding. 50 MP keeps
 * 48-megapixel phone photos (200 MB of RGBA) and refuses anything that could take a phone's tab down.
 */
export const MAX_PIXELS = 50_000_000;
/** Smaller than this on either side and there is nothing for the model to see (it looks at 512 × 512). */
export const MIN_SIDE = 16;
/** Wider or taller than this and the squash to a square distorts the picture badly: say so. */
export const SQUASH_WARNING_RATIO = 4;

const ascii = (bytes: Uint8Array, start: number, length: number): string => String.fromCharCode(...bytes.subarray(start, start + length));

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean => prefix.every((b, i) => bytes[at + i] === b);

/** ISO-BMFF brands: HEIC/HEIF (iPhone photos), AVIF, and plain MP4/QuickTime video. */
const HEIC_BRANDS = ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs'];
const VIDEO_BRANDS = ['isom', 'iso2', 'mp41', 'mp42', 'qt  ', 'M4V ', 'avc1', '3gp4', '3gp5', '3g2a', 'dash'];

function sniffIsoBmff(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length < 12 || ascii(bytes, 4, 4) !== 'ftyp') return null;
  const boxSize = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const brands = [ascii(bytes, 8, 4)];
  for (let at = 16; at + 4 <= Math.min(boxSize, bytes.length, 256); at += 4) brands.push(ascii(bytes, at, 4));
  if (brands.some((b) => b === 'avif' || b === 'avis')) return 'avif';
  if (brands.some((b) => HEIC_BRANDS.includes(b))) return 'heic';
  if (brands.some((b) => b === 'mif1' || b === 'msf1')) return 'heif';
  if (brands.some((b) => VIDEO_BRANDS.includes(b))) return 'video';
  return 'unknown';
}

/** Mostly printable UTF-8/ASCII in the first bytes: a text file (or an SVG, checked before). */
function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 512);
  if (n === 0) return false;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128) printable++;
    if (b === 0) return false;
  }
  return printable / n > 0.95;
}

/** The format, from the first bytes only (a 512-byte prefix is enough). */
export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length === 0) return 'empty';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length >= 26) return 'bmp';
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00]) && bytes.length >= 6 && bytes[4]! + bytes[5]! > 0) return 'ico';
  const iso = sniffIsoBmff(bytes);
  if (iso) return iso;
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) return 'jxl';
  if (ascii(bytes, 0, 4) === '8BPS') return 'psd';
  if (ascii(bytes, 0, 5) === '%PDF-') return 'pdf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'AVI ') return 'video';
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return 'video'; // Matroska / WebM
  if (looksLikeText(bytes)) {
    const head = new TextDecoder().decode(bytes.subarray(0, 1024)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
    return head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg')) ? 'svg' : 'text';
  }
  return 'unknown';
}

/** What the header says, before any pixel is decoded. Fields are absent when the header doesn't tell. */
export interface ImageHeader {
  format: ImageFormat;
  /** Size as stored (before EXIF rotation). */
  width?: number;
  height?: number;
  /** EXIF orientation 1–8 (JPEG only); 5–8 swap width and height when displayed. */
  orientation?: number;
  /** JPEG colour components: 4 is CMYK/YCCK (print colours). */
  components?: number;
  /** Some pixels may be transparent (PNG colour type or tRNS, WebP alpha flag). */
  alpha?: boolean;
  /** More than one frame (animated GIF, APNG, animated WebP). */
  animated?: boolean;
  /** The data ends before the image does (JPEG without its end marker after the scan, PNG without IEND). */
  truncated?: boolean;
}

const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32be = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const u24le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const i32le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);

/** EXIF orientation from an APP1 "Exif\0\0" segment body (a TIFF structure). */
export function exifOrientation(bytes: Uint8Array, start: number, end: number): number | undefined {
  if (ascii(bytes, start, 6) !== 'Exif\0\0') return undefined;
  const tiff = start + 6;
  if (tiff + 8 > end) return undefined;
  const little = ascii(bytes, tiff, 2) === 'II';
  if (!little && ascii(bytes, tiff, 2) !== 'MM') return undefined;
  const r16 = (at: number) => (little ? u16le(bytes, at) : u16be(bytes, at));
  const r32 = (at: number) => (little ? (u16le(bytes, at) | (u16le(bytes, at + 2) << 16)) >>> 0 : u32be(bytes, at));
  const ifd = tiff + r32(tiff + 4);
  if (ifd + 2 > end) return undefined;
  const count = r16(ifd);
  for (let k = 0; k < count; k++) {
    const entry = ifd + 2 + 12 * k;
    if (entry + 12 > end) return undefined;
    if (r16(entry) === 0x0112) {
      const value = r16(entry + 8);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegHeader(b: Uint8Array): ImageHeader {
  const out: ImageHeader = { format: 'jpeg' };
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return out; // lost sync: damaged; the browser's decoder has the last word
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    const length = u16be(b, at + 2);
    const body = at + 4;
    const next = at + 2 + length;
    if (marker === 0xe1 && out.orientation === undefined) out.orientation = exifOrientation(b, body, Math.min(next, b.length));
    if (JPEG_SOF.has(marker) && body + 6 <= b.length) {
      out.height = u16be(b, body + 1);
      out.width = u16be(b, body + 3);
      out.components = b[body + 5];
    }
    if (marker === 0xda) {
      // Entropy-coded data follows; inside it 0xFF is always followed by 0x00 or a restart marker,
      // so the first FF D9 after the first scan is the real end of image (an EXIF thumbnail's EOI
      // sits in APP1, before this point, and cannot fool the check).
      let eoi = false;
      for (let k = next; k + 1 < b.length; k++) {
        if (b[k] === 0xff && b[k + 1] === 0xd9) {
          eoi = true;
          break;
        }
      }
      return { ...out, truncated: !eoi };
    }
    at = next;
  }
  return { ...out, truncated: true };
}

function pngHeader(b: Uint8Array): ImageHeader {
  const out: ImageHeader = { format: 'png' };
  if (b.length >= 26 && ascii(b, 12, 4) === 'IHDR') {
    out.width = u32be(b, 16);
    out.height = u32be(b, 20);
    const colourType = b[25]!;
    out.alpha = colourType === 4 || colourType === 6;
  }
  let at = 8;
  let ended = false;
  while (at + 8 <= b.length) {
    const length = u32be(b, at);
    const type = ascii(b, at + 4, 4);
    if (type === 'tRNS') out.alpha = true;
    if (type === 'acTL') out.animated = true;
    if (type === 'IEND') {
      ended = true;
      break;
    }
    at += 12 + length;
  }
  out.truncated = !ended;
  return out;
}

/** Walks the GIF's blocks far enough to know whether a second frame exists. */
function gifHeader(b: Uint8Array): ImageHeader {
  const out: ImageHeader = { format: 'gif', width: u16le(b, 6), height: u16le(b, 8) };
  const skipSubBlocks = (at: number): number => {
    while (at < b.length && b[at] !== 0) at += b[at]! + 1;
    return at + 1;
  };
  let at = 13;
  if (b[10]! & 0x80) at += 3 * (1 << ((b[10]! & 0x07) + 1));
  let frames = 0;
  while (at < b.length) {
    const block = b[at]!;
    if (block === 0x3b) break; // trailer
    if (block === 0x21) at = skipSubBlocks(at + 2); // extension: label, then sub-blocks
    else if (block === 0x2c) {
      frames++;
      if (frames > 1) break;
      const packed = b[at + 9] ?? 0;
      at += 10;
      if (packed & 0x80) at += 3 * (1 << ((packed & 0x07) + 1));
      at = skipSubBlocks(at + 1); // LZW minimum code size, then the image data
    } else break; // not a block we know: stop rather than guess
  }
  out.animated = frames > 1;
  return out;
}

function webpHeader(b: Uint8Array): ImageHeader {
  const out: ImageHeader = { format: 'webp' };
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ' && b.length >= 30) {
    out.width = u16le(b, 26) & 0x3fff;
    out.height = u16le(b, 28) & 0x3fff;
  } else if (chunk === 'VP8L' && b.length >= 25) {
    const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
    out.width = (bits & 0x3fff) + 1;
    out.height = ((bits >>> 14) & 0x3fff) + 1;
    out.alpha = ((bits >>> 28) & 1) === 1;
  } else if (chunk === 'VP8X' && b.length >= 30) {
    const flags = b[20]!;
    out.alpha = (flags & 0x10) !== 0;
    out.animated = (flags & 0x02) !== 0;
    out.width = u24le(b, 24) + 1;
    out.height = u24le(b, 27) + 1;
  }
  return out;
}

/** Reads what it can from the header. Never throws: damaged headers give fewer fields. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const format = sniffFormat(bytes);
  try {
    switch (format) {
      case 'jpeg':
        return jpegHeader(bytes);
      case 'png':
        return pngHeader(bytes);
      case 'gif':
        return gifHeader(bytes);
      case 'webp':
        return webpHeader(bytes);
      case 'bmp':
        return { format, width: Math.abs(i32le(bytes, 18)), height: Math.abs(i32le(bytes, 22)) };
      default:
        return { format };
    }
  } catch {
    return { format };
  }
}

/** Width and height as the photo is shown (EXIF orientations 5–8 turn it a quarter). */
export function uprightSize(h: ImageHeader): { width: number; height: number } | null {
  if (!h.width || !h.height) return null;
  return (h.orientation ?? 1) >= 5 ? { width: h.height, height: h.width } : { width: h.width, height: h.height };
}

/** Thousands separators without locale surprises in tests: 12000 → "12,000". */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function megapixels(pixels: number): string {
  const mp = pixels / 1e6;
  return mp >= 10 ? String(Math.round(mp)) : mp.toFixed(1);
}

export type Verdict = { ok: true; notes: string[] } | { ok: false; message: string };

/** The same photo rule for a known size, used before decoding (header) and after (decoded bitmap). */
export function checkSize(width: number, height: number): Verdict {
  const size = `${formatCount(width)} × ${formatCount(height)} pixels`;
  if (width * height > MAX_PIXELS) {
    return {
      ok: false,
      message: `This image is ${size} (${megapixels(width * height)} megapixels), more than this page decodes safely in a browser tab (${megapixels(MAX_PIXELS)} megapixels). The model looks at only 512 × 512 pixels, so a smaller copy of the photo works just as well.`,
    };
  }
  if (Math.min(width, height) < MIN_SIDE) {
    return {
      ok: false,
      message: `This image is only ${size}: too small for the model to see anything (it looks at 512 × 512). Please use a photo at least ${MIN_SIDE} pixels on each side.`,
    };
  }
  const notes: string[] = [];
  if (Math.max(width, height) / Math.min(width, height) > SQUASH_WARNING_RATIO) {
    notes.push('The model squashes every image into a square, so this very wide or tall picture looks distorted to it.');
  }
  return { ok: true, notes };
}

/**
 * Everything we can say before decoding: refuse what cannot work (not a photo, too large, too
 * small, cut off) and note what will be adjusted (transparency, animation, CMYK).
 */
export function checkBeforeDecoding(header: ImageHeader, fileBytes: number): Verdict {
  const { format } = header;
  if (format === 'empty' || fileBytes === 0) return { ok: false, message: 'This file is empty (0 bytes). Please pick a photo.' };
  if (fileBytes > MAX_FILE_BYTES) {
    return { ok: false, message: `This file is ${formatCount(fileBytes / 1024 / 1024)} MB, more than the ${formatCount(MAX_FILE_BYTES / 1024 / 1024)} MB this page reads. Please pick a smaller copy of the photo.` };
  }
  if (format === 'svg') return { ok: false, message: 'This is an SVG drawing, not a photo: browsers cannot turn it into pixels for the model here. Please export it as PNG or JPEG first.' };
  if (format === 'video') return { ok: false, message: 'This looks like a video, not a photo. Please pick a single picture (a JPEG or PNG), or take a still with the webcam tab.' };
  if (isNeverAPhoto(format)) return { ok: false, message: `This file is not an image: it looks like a ${FORMAT_NAMES[format]}. Please pick a photo (JPEG, PNG, WebP or GIF).` };
  const notes: string[] = [];
  const upright = uprightSize(header);
  if (upright) {
    const size = checkSize(upright.width, upright.height);
    if (!size.ok) return size;
    notes.push(...size.notes);
  }
  if (header.truncated && (format === 'jpeg' || format === 'png')) {
    return { ok: false, message: `This ${FORMAT_NAMES[format]} file is cut off: its data ends before the picture does (perhaps the download or copy was interrupted). Please try the complete file.` };
  }
  if (header.animated) notes.push('This image is animated; the model sees its first frame only.');
  if (header.alpha) notes.push('Its transparent parts are shown on white, as in training.');
  if (header.components === 4) notes.push('It is a CMYK (print-colour) JPEG; the browser converted it to screen colours, which may shift them a little.');
  return { ok: true, notes };
}

/** When the browser could not decode the bytes: name the format we found and what to do. */
export function decodeFailureMessage(header: ImageHeader): string {
  const { format } = header;
  switch (format) {
    case 'heic':
    case 'heif':
      return `This is a ${FORMAT_NAMES[format]} photo (the iPhone's default format), which this browser cannot decode. Please convert it to JPEG first (on an iPhone: Settings → Camera → Formats → Most Compatible), or try Safari.`;
    case 'avif':
    case 'tiff':
    case 'jxl':
      return `This is a ${FORMAT_NAMES[format]} image, which this browser cannot decode. Please convert it to JPEG or PNG first.`;
    case 'jpeg':
      return header.components === 4
        ? 'This is a CMYK (print-colour) JPEG, which this browser cannot decode. Please save it as an RGB JPEG or PNG.'
        : 'This JPEG is damaged: the browser could not decode it. Please try another copy of the photo.';
    case 'unknown':
      return "This file is not an image this browser can read. Please pick a photo (JPEG, PNG, WebP or GIF).";
    default:
      return `This ${FORMAT_NAMES[format]} file is damaged: the browser could not decode it. Please try another copy.`;
  }
}

/** A file that was refused, with the sentence to show. */
export class ImageInputError extends Error {
  override readonly name = 'ImageInputError';
}

/** Prefix a message with the file's name when there is one (the page shows it with textContent). */
export function aboutFile(name: string | undefined, message: string): string {
  const shown = (name ?? '').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 80);
  return shown ? `“${shown}”: ${message}` : message;
}
