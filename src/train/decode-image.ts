/** Node image decoding with sharp: EXIF orientation honoured, any colour space to sRGB, alpha dropped. */
import sharp from 'sharp';
import type { RgbImage } from '../model/encoder';

export async function decodeImageFile(file: string | Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(file, { pages: 1, limitInputPixels: 20000 * 20000 })
    .rotate() // apply EXIF orientation
    .toColourspace('srgb')
    .flatten({ background: '#ffffff' }) // composite alpha onto white, as the page's canvas does
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after decoding, got ${info.channels}`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
