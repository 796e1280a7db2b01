/**
 * Browser image decoding: a Blob (example photo or the reader's own file) → RGB bytes for the
 * encoder's `preprocess`. It mirrors src/train/decode-image.ts (Node, sharp): EXIF orientation
 * honoured, alpha composited onto white, full resolution up to MAX_SIDE (the shared tfjs resize
 * does the scaling, so page and training see the same pixels up to JPEG decoder differences).
 */
import type { RgbImage } from '../model/encoder';
import { checkBeforeDecoding, checkSize, decodeFailureMessage, ImageInputError, MAX_FILE_BYTES, readImageHeader, uprightSize, type ImageHeader } from './image-checks';

/**
 * Larger photos (a 12-megapixel phone picture) are scaled down first: preprocess holds the pixels
 * as int32 and then float32 tensors (~300 MB at 12 MP), too much for the wasm heap or a WebGL
 * texture. Every example photo is smaller, so their pixels stay exactly the Node pipeline's.
 */
export const MAX_SIDE = 2048;

/** The size to draw at: the image's own, or scaled so its longer side is `maxSide`. */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** RGBA (canvas ImageData) → RGB, dropping alpha (the canvas was painted white first). */
export function rgbaToRgb(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): RgbImage {
  const n = width * height;
  if (rgba.length !== n * 4) throw new Error(`rgbaToRgb: expected ${n * 4} bytes for ${width}×${height}, got ${rgba.length}`);
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n * 4; i += 4, j += 3) {
    rgb[j] = rgba[i]!;
    rgb[j + 1] = rgba[i + 1]!;
    rgb[j + 2] = rgba[i + 2]!;
  }
  return { width, height, data: rgb };
}

type Canvas2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

function context2d(width: number, height: number): Canvas2D {
  // OffscreenCanvas keeps this off the document (and works in a worker later); fall back for old Safari.
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as Canvas2D | null;
  if (!ctx) throw new Error('this browser gives no 2D canvas to decode the photo');
  return ctx;
}

/** Decodes an image file to RGB pixels, upright as the photo's EXIF orientation says. */
export async function decodeToRgb(blob: Blob): Promise<RgbImage> {
  const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  try {
    const { width, height } = fitWithin(bitmap.width, bitmap.height, MAX_SIDE);
    const ctx = context2d(width, height);
    ctx.fillStyle = '#ffffff'; // transparent pixels become white, as sharp's flatten() does in Node
    ctx.fillRect(0, 0, width, height);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, width, height);
    return rgbaToRgb(ctx.getImageData(0, 0, width, height).data, width, height);
  } finally {
    bitmap.close();
  }
}

/** A reader's image, decoded, with notes on what was adjusted (transparency, animation, …). */
export interface UserImage {
  image: RgbImage;
  header: ImageHeader;
  notes: string[];
}

/**
 * The reader's own file (upload, drop, paste): checked from its bytes first, so nothing that would
 * exhaust memory or cannot be a photo reaches the decoder, then decoded with `decodeToRgb`.
 * Throws ImageInputError with a sentence for the reader; never anything else.
 */
export async function decodeUserImage(blob: Blob): Promise<UserImage> {
  if (blob.size > MAX_FILE_BYTES || blob.size === 0) {
    const verdict = checkBeforeDecoding({ format: blob.size === 0 ? 'empty' : 'unknown' }, blob.size);
    throw new ImageInputError(verdict.ok ? 'This file cannot be read.' : verdict.message);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await blob.arrayBuffer());
  } catch {
    throw new ImageInputError('The browser could not read this file (was it moved or deleted?). Please pick it again.');
  }
  const header = readImageHeader(bytes);
  const before = checkBeforeDecoding(header, bytes.length);
  if (!before.ok) throw new ImageInputError(before.message);
  let image: RgbImage;
  try {
    // The decoder gets the bytes we checked, typed by what they are rather than what the OS said.
    image = await decodeToRgb(new Blob([bytes as BlobPart]));
  } catch {
    throw new ImageInputError(decodeFailureMessage(header));
  }
  const notes = [...before.notes];
  if (!uprightSize(header)) {
    // The header did not tell the size (BMP variants, AVIF, …): apply the rule to the decoded size,
    // which decodeToRgb has already capped at MAX_SIDE.
    const after = checkSize(image.width, image.height);
    if (!after.ok) throw new ImageInputError(after.message);
    notes.push(...after.notes);
  }
  return { image, header, notes };
}
