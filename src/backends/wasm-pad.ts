/** Spatial padding helper shared by the wasm convolution-gradient kernels. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor.
 * @param x - [B, H, W, C]
 * @returns [B, H + top + bottom, W + left + right, C]
 * @category Backends
 */
export function padOrCrop4D(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [b, h, w, c] = y.shape;
    const t = Math.max(-top, 0), l = Math.max(-left, 0);
    y = tf.slice(y, [0, t, l, 0], [b, h - t - Math.max(-bottom, 0), w - l - Math.max(-right, 0), c]);
  }
  const pt = Math.max(top, 0), pb = Math.max(bottom, 0), pl = Math.max(left, 0), pr = Math.max(right, 0);
  if (pt > 0 || pb > 0 || pl > 0 || pr > 0) y = tf.pad(y, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  return y;
}
