/**
 * The image encoder: CenterNet (MobileNetV3 backbone, COCO detector) from @vladmandic/human.
 *
 * DOM-free on purpose: Node (sharp-decoded pixels) and the page (canvas-decoded pixels) both hand
 * plain RGB bytes to `preprocess`, so training and serving run the very same tfjs resize.
 * The 560-d feature is the spatial mean of the backbone's last hard-swish map (480) followed by the
 * spatial max of the 80 class heat-maps (design.md §3).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { COCO_CLASSES } from './coco-classes';

export const ENCODER_INPUT_SIZE = 512;
export const BACKBONE_NODE = 'tower_0/extern1/hard_swish/mul_1';
export const CLASS_NODE = 'tower_0/keypoints';
export const BACKBONE_DIM = 480;
export const CLASS_DIM = 80;
export const FEATURE_DIM = BACKBONE_DIM + CLASS_DIM;

/** Decoded pixels, RGB, row-major, 3 bytes per pixel (alpha already dropped or composited). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** Pixels → [1, 512, 512, 3] float32 in raw 0..255 (squash, no crop: the graph wants exactly this). */
export function preprocess(image: RgbImage): tf.Tensor4D {
  if (image.data.length !== image.width * image.height * 3) {
    throw new Error(`preprocess: expected ${image.width}×${image.height}×3 bytes, got ${image.data.length}`);
  }
  return tf.tidy(() => {
    const pixels = tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 3], 'int32');
    const resized = tf.image.resizeBilinear(tf.cast(pixels, 'float32'), [ENCODER_INPUT_SIZE, ENCODER_INPUT_SIZE]);
    return tf.expandDims(resized, 0) as tf.Tensor4D;
  });
}

export interface EncodedImage {
  /** 560 floats: backbone mean (480) then class maxima (80). */
  feature: Float32Array;
  /** The 80 class scores alone, for "what the CNN sees". */
  classScores: Float32Array;
}

/** Run CenterNet on an already preprocessed input and pool its two maps into the feature. */
export function encodeTensor(model: GraphModel, input: tf.Tensor4D): EncodedImage {
  const pooled = tf.tidy(() => {
    const [backbone, classes] = model.execute(input, [BACKBONE_NODE, CLASS_NODE]) as tf.Tensor4D[];
    const mean = tf.reshape(tf.mean(backbone!, [1, 2]), [BACKBONE_DIM]);
    const max = tf.reshape(tf.max(classes!, [1, 2]), [CLASS_DIM]);
    return tf.concat([mean, max]);
  });
  const feature = pooled.dataSync() as Float32Array;
  pooled.dispose();
  return { feature: Float32Array.from(feature), classScores: Float32Array.from(feature.subarray(BACKBONE_DIM)) };
}

export function encodeImage(model: GraphModel, image: RgbImage): EncodedImage {
  const input = preprocess(image);
  try {
    return encodeTensor(model, input);
  } finally {
    input.dispose();
  }
}

/** The encoder's top classes, best first. */
export function topClasses(classScores: Float32Array, k = 5): { name: string; score: number }[] {
  return Array.from(classScores, (score, i) => ({ name: COCO_CLASSES[i]!, score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}
